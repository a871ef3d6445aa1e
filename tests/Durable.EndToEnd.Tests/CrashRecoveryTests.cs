namespace Durable.EndToEnd.Tests;

/// <summary>A node killed with SIGKILL under load and restarted on the same data has every acknowledged increment (each
/// increment is a persisted event of a sharded persistent actor).</summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("durable-crash-").FullName;

    [Fact]
    public async Task Sigkill_under_load_keeps_every_acknowledged_increment()
    {
        const int counters = 4;
        const int clientsPerCounter = 4;
        string[] args =
        [
            "--Durable:Storage:Provider=sqlite", $"--Durable:Storage:Sqlite:Path={Path.Combine(_dir, "durable.db")}",
        ];
        var acknowledged = new long[counters];
        var highest = new long[counters];

        var node = await NodeProcess.StartAsync(args);
        using (var client = node.CreateClient())
        {
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, counters * clientsPerCounter).Select(i => Task.Run(async () =>
            {
                var counter = i % counters;
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await client.PostAsync($"/ns/counter/name/crash-{counter}/increment", null, stop.Token);
                        if (!response.IsSuccessStatusCode) continue;
                        var value = long.Parse(await response.Content.ReadAsStringAsync(stop.Token));
                        Interlocked.Increment(ref acknowledged[counter]);
                        InterlockedMax(ref highest[counter], value);
                    }
                    catch (Exception) when (stop.IsCancellationRequested || node.HasExited)
                    {
                        return;
                    }
                    catch (HttpRequestException)
                    {
                        // Not acknowledged, so not counted; keep loading until the kill.
                    }
                }
            })).ToList();

            // Kill mid-stream: once every counter has acknowledged increments, plus a moment of full load.
            var warmup = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Any(n => Volatile.Read(ref n) < 20) && DateTime.UtcNow < warmup) await Task.Delay(20);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            node.Kill();
            stop.Cancel();
            await Task.WhenAll(load);
        }
        await node.DisposeAsync();
        Assert.All(acknowledged, n => Assert.True(n > 0, "no increment was acknowledged before the kill"));

        await using var restarted = await NodeProcess.StartAsync(args);
        using var after = restarted.CreateClient();
        for (var counter = 0; counter < counters; counter++)
        {
            var value = long.Parse(await after.GetStringAsync($"/ns/counter/name/crash-{counter}/"));
            Assert.True(value >= acknowledged[counter] && value >= highest[counter],
                $"counter crash-{counter} is {value} after the restart, but {acknowledged[counter]} increments up to {highest[counter]} were acknowledged");
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
