namespace Durable.Benchmarks;

/// <summary>
/// Managed heap bytes per active idle object: activates N objects (one fetch each), forces a full GC and divides the
/// growth by N. Run with <c>dotnet run -c Release --project bench/Durable.Benchmarks -- memory [N]</c>.
/// The id's own bytes are counted (it is part of the activation); the object class adds nothing of its own.
/// </summary>
public static class IdleMemory
{
    public static async Task RunAsync(int count)
    {
        await using var runtime = await BenchRuntime.StartAsync(o => o.IdleTimeout = TimeSpan.FromHours(1));
        var warm = runtime.Ping.GetByName("warm");
        await warm.FetchAsync(new HttpRequestMessage(HttpMethod.Get, "/"));

        var before = Settle();
        var stubs = new List<DurableObjectStub>(count);
        for (var i = 0; i < count; i += 1000)
            await Task.WhenAll(Enumerable.Range(i, Math.Min(1000, count - i)).Select(async n =>
            {
                using var r = await runtime.Ping.GetByName($"idle-{n}").FetchAsync(new HttpRequestMessage(HttpMethod.Get, "/"));
            }));
        var after = Settle();

        Console.WriteLine($"active objects: {runtime.Runtime.ActiveCount - 1:N0}");
        Console.WriteLine($"heap growth: {(after - before) / 1024.0 / 1024.0:N1} MiB");
        Console.WriteLine($"bytes per idle activation: {(after - before) / (double)count:N0}");
        GC.KeepAlive(stubs);
    }

    private static long Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
