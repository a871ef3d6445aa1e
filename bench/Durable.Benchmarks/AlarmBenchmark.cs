using System.Collections.Concurrent;
using System.Diagnostics;
using Durable.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durable.Benchmarks;

/// <summary>
/// Alarm throughput and lateness (<c>... Durable.Benchmarks.dll alarms [count]</c>), on the SQLite journal with the system
/// clock: <c>count</c> objects each set an alarm for the same instant; we time how long after that instant every handler
/// has started and finished its turn (each writes a key and clears its alarm), and how late each handler started. The idle case runs first: 200 alarms spread out one at a time.
/// </summary>
internal static class AlarmBenchmark
{
    private static readonly ConcurrentBag<double> Lateness = [];
    private static int _fired;

    public sealed class AlarmedObject(DurableObjectState state, TimeProvider time) : DurableObject
    {
        public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(request.RequestUri!.Query.TrimStart('?')));
            await state.Storage.SetAlarmAsync(at);
            await state.Storage.PutAsync("due", at);
            return new HttpResponseMessage();
        }

        public override async Task AlarmAsync(AlarmInfo alarm)
        {
            Lateness.Add((time.GetUtcNow() - (await state.Storage.GetAsync<DateTimeOffset>("due"))).TotalMilliseconds);
            await state.Storage.PutAsync("fired", true);
            Interlocked.Increment(ref _fired);
        }
    }

    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        var path = Path.Combine(Path.GetTempPath(), $"durable-alarms-{Environment.ProcessId}.db");
        var runtime = await BenchRuntime.StartAsync(o => o.AddNamespace<AlarmedObject>("alarmed"), ObjectJournal.Sqlite(_ => path));
        var ns = runtime.Services.GetDurableObjectNamespace("alarmed");

        const int idle = 200;
        Console.WriteLine($"idle: {idle} alarms 20 ms apart");
        var start = DateTimeOffset.UtcNow.AddSeconds(1);
        await SetAlarmsAsync(ns, idle, i => start.AddMilliseconds(20 * i), prefix: "idle");
        await WaitForAsync(idle, start, TimeSpan.FromMinutes(1), reportRate: false);

        Lateness.Clear();
        _fired = 0;
        Console.WriteLine($"burst: {count:N0} alarms due at one instant (SQLite, {Environment.ProcessorCount} cores)");
        var due = DateTimeOffset.UtcNow.AddSeconds(Math.Max(5, count / 4_000));
        var setting = Stopwatch.StartNew();
        await SetAlarmsAsync(ns, count, _ => due);
        Console.WriteLine($"  set in {setting.Elapsed.TotalSeconds:N1} s; {(due - DateTimeOffset.UtcNow).TotalSeconds:N1} s before they are due; fired early: {_fired}");
        await WaitForAsync(count, due, TimeSpan.FromMinutes(5), reportRate: true);

        await runtime.DisposeAsync();
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), $"durable-alarms-{Environment.ProcessId}.db*")) File.Delete(file);
    }

    private static async Task SetAlarmsAsync(DurableObjectNamespace ns, int count, Func<int, DateTimeOffset> due, string prefix = "burst")
    {
        for (var i = 0; i < count; i += 1000)
            await Task.WhenAll(Enumerable.Range(i, Math.Min(1000, count - i)).Select(async n =>
            {
                var stub = ns.GetByName($"{prefix}-{n}");
                using var r = await stub.FetchAsync(new HttpRequestMessage(HttpMethod.Post, $"/?{due(n).ToUnixTimeMilliseconds()}"));
            }));
    }

    private static async Task WaitForAsync(int count, DateTimeOffset due, TimeSpan limit, bool reportRate)
    {
        var wait = due - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref _fired) < count && clock.Elapsed < limit) await Task.Delay(5);
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = Lateness.OrderBy(x => x).ToArray();
        Console.WriteLine(reportRate
            ? $"  fired {_fired:N0} of {count:N0} in {seconds:N2} s after the due time = {_fired / seconds:N0} alarms/s"
            : $"  fired {_fired:N0} of {count:N0}");
        if (sorted.Length > 0)
            Console.WriteLine($"  lateness p50 {sorted[sorted.Length / 2]:N1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:N1} ms, max {sorted[^1]:N1} ms");
    }
}
