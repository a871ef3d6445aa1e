namespace Durable.Web.Tests.Observability;

public sealed class MetricsCollectorConcurrencyTests
{
    private const int Threads = 8;
    private const int PerThread = 50_000;

    [Fact]
    public void Counters_recorded_from_many_threads_sum_exactly()
    {
        using var scope = new MeterScope();
        var requests = scope.Meter.CreateCounter<long>("durable.requests");
        var bytes = scope.Meter.CreateCounter<double>("durable.bytes");
        var latency = scope.Meter.CreateHistogram<double>("durable.latency", unit: "s");
        string[] shards = ["0", "1", "2", "3"];

        RunOnThreads(thread =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                var shard = new KeyValuePair<string, object?>("shard", shards[(thread + i) % shards.Length]);
                requests.Add(1, shard);
                requests.Add(1);
                bytes.Add(0.5);
                latency.Record(0.002, shard);
            }
        });

        var text = scope.Scrape();
        const int perShard = Threads * PerThread / 4;
        foreach (var shard in shards)
        {
            Assert.Contains($"durable_requests_total{{shard=\"{shard}\"}} {perShard}\n", text);
            Assert.Contains($"durable_latency_seconds_count{{shard=\"{shard}\"}} {perShard}\n", text);
            Assert.Contains($"durable_latency_seconds_bucket{{shard=\"{shard}\",le=\"0.0025\"}} {perShard}\n", text);
        }

        Assert.Contains($"durable_requests_total {Threads * PerThread}\n", text);
        Assert.Contains($"durable_bytes_total {Threads * PerThread / 2}\n", text);
    }

    [Fact]
    public void Scrapes_running_alongside_recording_see_monotonic_counters()
    {
        using var scope = new MeterScope();
        var requests = scope.Meter.CreateCounter<long>("durable.requests");
        var done = 0;
        var observed = new List<long>();

        var scraper = new Thread(() =>
        {
            while (Volatile.Read(ref done) == 0)
            {
                var line = scope.Scrape().Split('\n').FirstOrDefault(l => l.StartsWith("durable_requests_total ", StringComparison.Ordinal));
                observed.Add(line is null ? 0 : long.Parse(line["durable_requests_total ".Length..]));
            }
        });
        scraper.Start();
        RunOnThreads(_ =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                requests.Add(1);
            }
        });
        Volatile.Write(ref done, 1);
        scraper.Join();

        Assert.Equal(observed.Order(), observed);
        Assert.Contains($"durable_requests_total {Threads * PerThread}\n", scope.Scrape());
    }

    [Fact]
    public void Recording_into_existing_series_does_not_allocate()
    {
        using var scope = new MeterScope();
        var requests = scope.Meter.CreateCounter<long>("durable.requests");
        var latency = scope.Meter.CreateHistogram<double>("durable.latency", unit: "s");
        var route = new KeyValuePair<string, object?>("route", "/objects");
        var method = new KeyValuePair<string, object?>("method", "GET");
        requests.Add(1, route, method);
        latency.Record(0.01, route, method);
        requests.Add(1);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            requests.Add(1, method, route);
            latency.Record(0.01, route, method);
            requests.Add(1);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RunOnThreads(Action<int> body)
    {
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads)
            .Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                body(t);
            }))
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }
}
