using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durable.PersistenceBench;

/// <summary>
/// Drives a sharded persistent counter (a cluster of one on loopback, <c>Persist</c> per increment) through every
/// journal plugin on every database in one run, each on fresh storage, and prints one table:
/// durable increments/s on one object and over 1,000 objects, new objects/s (first increment of a never-seen id),
/// recoveries/s (first read of a written object after a restart), latency p50/p99, bytes on disk per event.
/// <code>
/// dotnet Durable.PersistenceBench.dll [--seconds 5] [--warm-up 1] [--plugins durable,sql,memory] [--databases sqlite,postgres]
///     [--rows one,spread,new] [--data DIR]
/// </code>
/// <c>--warm-up</c> is the load run before the one-object and 1,000-object measures, for the JIT's tiers to settle;
/// per measure, standard error gets the process's CPU, allocations and collections, and the Durable journal's group
/// commits and syncs (from its metrics).
/// <c>--rows</c> picks the measures (recoveries come with <c>new</c>, which writes the objects they read); the others'
/// cells are left as "-".
/// PostgreSQL rows need DURABLE_TEST_PG (scripts/postgres.sh start); each row creates and drops its own database.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = BenchOptions.Parse(args);
        var rows = new List<string[]>();
        foreach (var database in options.Databases)
        foreach (var plugin in options.Plugins)
        {
            if (plugin == "memory" && database != options.Databases[0]) continue;   // no database under it
            Console.Error.WriteLine($"== {plugin} on {database}");
            await using var store = await BenchStore.CreateAsync(database, options);
            rows.Add(await RunAsync(plugin, store, options));
        }
        Console.WriteLine();
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {options.Seconds} s per measure, load average before: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| plugin | database | increments/s, 1 object (256 clients) | p50 / p99 ms | increments/s, 1,000 objects (4 clients each) | p50 / p99 ms | new objects/s (256 clients) | p50 / p99 ms | recoveries/s after restart (256 clients) | p50 / p99 ms | bytes on disk per event |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows) Console.WriteLine("| " + string.Join(" | ", row) + " |");
        return 0;
    }

    private static async Task<string[]> RunAsync(string plugin, BenchStore store, BenchOptions options)
    {
        var duration = TimeSpan.FromSeconds(options.Seconds);
        var warmUp = TimeSpan.FromSeconds(options.WarmUpSeconds);
        var cells = new List<string> { plugin, plugin == "memory" ? "(none)" : store.Database };
        long events = 0;
        long created;
        using (var node = await BenchNode.StartAsync(plugin, store))
        {
            var one = options.Runs("one") ? await Load.RunAsync(node.Region, 256, duration, (_, _) => new Increment("one"), warmUp) : null;
            var spread = options.Runs("spread")
                ? await Load.RunAsync(node.Region, 1000 * 4, duration, (client, _) => new Increment("spread-" + (client % 1000)), warmUp)
                : null;
            var next = -1L;
            var fresh = options.Runs("new")
                ? await Load.RunAsync(node.Region, 256, duration, (_, _) => new Increment("new-" + Interlocked.Increment(ref next)), warmUp: TimeSpan.Zero)
                : null;
            created = fresh?.Completed ?? 0;
            foreach (var load in new[] { one, spread, fresh })
            {
                events += load is null ? 0 : load.Completed + load.WarmUp;
                cells.AddRange(load?.Cells() ?? Load.Skipped);
            }
        }
        if (!options.Runs("new")) cells.AddRange(Load.Skipped);
        else using (var node = await BenchNode.StartAsync(plugin, store))
        {
            var next = -1L;
            var recovered = await Load.RunAsync(node.Region, 256, duration, (_, _) =>
            {
                var n = Interlocked.Increment(ref next);
                return n < created ? new Read("new-" + n) : null;
            }, warmUp: TimeSpan.Zero);
            cells.AddRange(recovered.Cells());
        }
        var bytes = plugin == "memory" ? 0 : await store.UsedBytesAsync();
        cells.Add(bytes == 0 || events == 0 ? "-" : (bytes / (double)events).ToString("N0", CultureInfo.InvariantCulture));
        return cells.ToArray();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}

/// <summary>One actor system: a cluster of one on loopback with the counter's shard region.</summary>
internal sealed class BenchNode : IDisposable
{
    private readonly IHost _host;

    private BenchNode(IHost host, IActorRef region)
    {
        _host = host;
        Region = region;
    }

    public IActorRef Region { get; }

    public static async Task<BenchNode> StartAsync(string plugin, BenchStore store)
    {
        // A bare host: the default one watches the working directory's configuration files, a thread of its own.
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("bench", (builder, _) =>
            {
                builder
                    .ConfigureLoggers(loggers => loggers.LogLevel = Akka.Event.LogLevel.WarningLevel)
                    .WithRemoting("127.0.0.1", 0)
                    .WithClustering()
                    .WithShardRegion<BenchCounter>("counter", id => Props.Create(() => new BenchCounter(id)),
                        new CounterMessages(), new ShardOptions())
                    .AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
                Plugins.Configure(builder, plugin, store);
            }))
            .Build();
        await host.StartAsync();
        var region = host.Services.GetRequiredService<ActorRegistry>().Get<BenchCounter>();
        // The first message waits for the node to be Up and the shard coordinator to start.
        await region.Ask<long>(new Read("ready"), TimeSpan.FromSeconds(60));
        return new BenchNode(host, region);
    }

    public void Dispose()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }
}

/// <summary>Closed-loop clients: each sends its next message when the previous one is answered.</summary>
internal sealed record Load(long Completed, long WarmUp, long Errors, TimeSpan Elapsed, long[] LatencyTicks)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    public static async Task<Load> RunAsync(IActorRef region, int clients, TimeSpan duration,
        Func<int, long, object?> message, TimeSpan warmUp)
    {
        var warmUpCount = 0L;
        if (warmUp > TimeSpan.Zero)
            warmUpCount = (await RunOnceAsync(region, clients, warmUp, message)).Completed;
        using var commits = new GroupCommits();
        var cost = ProcessCost.Now();
        var load = await RunOnceAsync(region, clients, duration, message);
        var spent = ProcessCost.Now() - cost;
        var (groups, writes, writing, syncs, syncing) = commits.Now();
        var ops = Math.Max(1, load.Completed);
        Console.Error.WriteLine($"   {load.Completed:N0} in {load.Elapsed.TotalSeconds:F2} s, {load.Errors} errors; per op: " +
            $"{spent.Cpu.TotalMicroseconds / ops:F1} µs CPU, {spent.Allocated / ops:N0} B allocated; " +
            $"GCs {spent.Gen0}/{spent.Gen1}/{spent.Gen2} (gen0/1/2), paused {spent.Paused.TotalMilliseconds / load.Elapsed.TotalMilliseconds:P1}" +
            (groups == 0 ? "" : $"; {groups / load.Elapsed.TotalSeconds:N0} group commits/s of {writes / (double)groups:F1} writes, " +
                $"{writing * 1000 / groups:F2} ms each, writer busy {writing / load.Elapsed.TotalSeconds:P0}") +
            (syncs == 0 ? "" : $"; {syncs / load.Elapsed.TotalSeconds:N0} syncs/s, {syncing * 1000 / syncs:F2} ms each"));
        var gc = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        Console.Error.WriteLine($"   last ephemeral GC: gen{gc.Generation}, promoted {gc.PromotedBytes / 1024:N0} KiB, pause {gc.PauseDurations[0].TotalMilliseconds:F1} ms, heap {gc.HeapSizeBytes / 1048576:N0} MiB, " +
            $"gen0 {gc.GenerationInfo[0].SizeAfterBytes / 1024:N0} KiB / gen1 {gc.GenerationInfo[1].SizeAfterBytes / 1024:N0} KiB / gen2 {gc.GenerationInfo[2].SizeAfterBytes / 1048576:N0} MiB after");
        return load with { WarmUp = warmUpCount };
    }

    private static async Task<Load> RunOnceAsync(IActorRef region, int clients, TimeSpan duration, Func<int, long, object?> message)
    {
        var latencies = new List<long>[clients];
        var errors = 0L;
        var clock = Stopwatch.StartNew();
        var end = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var own = latencies[client] = new List<long>(1024);
            for (long i = 0; clock.ElapsedTicks < end; i++)
            {
                var next = message(client, i);
                if (next is null) break;
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await region.Ask<long>(next, AskTimeout);
                    own.Add(Stopwatch.GetTimestamp() - start);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new Load(all.Length, 0, errors, elapsed, all);
    }

    /// <summary>The cells of a measure that was not run.</summary>
    public static readonly string[] Skipped = ["-", "-"];

    public string[] Cells() =>
    [
        (Completed / Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture) + (Errors > 0 ? $" ({Errors} errors)" : ""),
        $"{Percentile(0.50):F1} / {Percentile(0.99):F1}",
    ];

    private double Percentile(double p) =>
        LatencyTicks.Length == 0 ? double.NaN
            : LatencyTicks[Math.Min(LatencyTicks.Length - 1, (int)(p * LatencyTicks.Length))] * 1000.0 / Stopwatch.Frequency;
}

/// <summary>The process's CPU time, allocations and collections so far (all threads: the node and its clients).</summary>
internal readonly record struct ProcessCost(TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static ProcessCost Now() => new(Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(),
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static ProcessCost operator -(ProcessCost a, ProcessCost b) => new(a.Cpu - b.Cpu, a.Allocated - b.Allocated,
        a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused);
}

internal sealed record BenchOptions(int Seconds, int WarmUpSeconds, string[] Plugins, string[] Databases, string[] Rows, string DataDirectory)
{
    public bool Runs(string row) => Rows.Contains(row);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(5, 1, ["durable", "sql", "memory"], ["sqlite", "postgres"], ["one", "spread", "new"], "/tmp/durable-pbench");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--warm-up" => options with { WarmUpSeconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--plugins" => options with { Plugins = args[i + 1].Split(',') },
                "--databases" => options with { Databases = args[i + 1].Split(',') },
                "--rows" => options with { Rows = args[i + 1].Split(',') },
                "--data" => options with { DataDirectory = args[i + 1] },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}
