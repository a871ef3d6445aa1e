using System.Diagnostics;
using System.Net;
using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Journal;
using Durable.Storage.Postgres;
using Durable.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durable.Benchmarks;

/// <summary>
/// Plain timed loops for the storage engine (<c>dotnet run -c Release --project bench/Durable.Benchmarks -- storage</c>):
/// the machine's fsync rate, durable commits/s through the runtime (1 object, 1,000 objects) and straight into the
/// provider, commit latency, recovery times and bytes per event, for SQLite and (when DURABLE_TEST_PG is set) PostgreSQL.
/// </summary>
internal static class StorageBenchmark
{
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(string[] args)
    {
        var directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "durable-bench");
        Directory.CreateDirectory(directory);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, data in {directory}");
        Console.WriteLine($"fsync (4 KiB write + fsync, one file): {FsyncRate(directory):N0}/s");

        var providers = new List<(string Name, Func<JournalStorageOptions?, JournalStorageProvider> Create)>();
        var sqlitePath = Path.Combine(directory, $"bench-{Environment.ProcessId}.db");
        providers.Add(("sqlite", o => new SqliteStorageProvider(Configure(new SqliteStorageOptions { Path = sqlitePath }, o))));
        if (Environment.GetEnvironmentVariable("DURABLE_TEST_PG") is { Length: > 0 } pg)
        {
            var schema = await PostgresSchemaAsync(pg);
            providers.Add(("postgres", o => new PostgresStorageProvider(Configure(new PostgresStorageOptions { ConnectionString = schema }, o))));
        }
        else Console.WriteLine("postgres: skipped (DURABLE_TEST_PG is not set; run eval \"$(scripts/postgres.sh start)\")");

        foreach (var (name, create) in providers)
        {
            Console.WriteLine($"--- {name}");
            await RuntimeCommitsAsync(name, create, objects: 1, clientsPerObject: 256);
            await RuntimeCommitsAsync(name, create, objects: 1_000, clientsPerObject: 4);
            await ProviderAppendsAsync(name, create, objects: 1);
            await ProviderAppendsAsync(name, create, objects: 1_000);
            await RecoveryAsync(name, create);
        }
        foreach (var file in Directory.GetFiles(directory, $"bench-{Environment.ProcessId}.db*")) File.Delete(file);
    }

    private static T Configure<T>(T options, JournalStorageOptions? from) where T : JournalStorageOptions
    {
        if (from is null) return options;
        options.SnapshotEveryEvents = from.SnapshotEveryEvents;
        options.SnapshotEveryBytes = from.SnapshotEveryBytes;
        return options;
    }

    private static double FsyncRate(string directory)
    {
        var path = Path.Combine(directory, $"fsync-{Environment.ProcessId}.bin");
        var block = new byte[4096];
        var count = 0;
        var watch = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            while (watch.Elapsed < TimeSpan.FromSeconds(2))
            {
                file.Write(block);
                file.Flush(flushToDisk: true);
                count++;
            }
        File.Delete(path);
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Durable write turns acknowledged per second through the real runtime (output gate, group commit).</summary>
    private static async Task RuntimeCommitsAsync(string name, Func<JournalStorageOptions?, JournalStorageProvider> create, int objects, int clientsPerObject)
    {
        var services = new ServiceCollection();
        services.Configure<DurableIdOptions>(o => o.Secret = "benchmark-id-secret-0123456789");
        services.AddDurableObjects(o =>
        {
            o.AddNamespace<PutObject>("put");
            o.MaxInFlightEventsPerNode = 100_000;
        }).UseStorage(_ => create(null));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var h in hosted) await h.StartAsync(CancellationToken.None);
        var ns = provider.GetDurableObjectNamespace("put");
        var run = $"{name}-{objects}-{Guid.NewGuid():n}";
        var stubs = Enumerable.Range(0, objects).Select(i => ns.GetByName($"{run}-{i}")).ToArray();
        foreach (var stub in stubs) (await stub.FetchAsync(new HttpRequestMessage(HttpMethod.Post, "/"))).Dispose();

        var latencies = new List<double>[objects * clientsPerObject];
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, objects * clientsPerObject).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(4096);
            var stub = stubs[c % objects];
            while (stop.Elapsed < RunTime)
            {
                var started = Stopwatch.GetTimestamp();
                (await stub.FetchAsync(new HttpRequestMessage(HttpMethod.Post, "/"))).Dispose();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var elapsed = stop.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine($"{name} runtime, {objects} object(s) x {clientsPerObject} clients: {all.Length / elapsed.TotalSeconds:N0} durable write turns/s, " +
                          $"latency p50 {Percentile(all, 0.5):0.00} ms p99 {Percentile(all, 0.99):0.00} ms");
        foreach (var h in hosted) await h.StopAsync(CancellationToken.None);
    }

    /// <summary>Journal events appended per second straight into the provider (each object one event at a time).</summary>
    private static async Task ProviderAppendsAsync(string name, Func<JournalStorageOptions?, JournalStorageProvider> create, int objects)
    {
        await using var provider = create(null);
        await provider.OpenAsync(CancellationToken.None);
        var run = Guid.NewGuid().ToString("n");
        var latencies = new List<double>[objects];
        long payloadBytes = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, objects).Select(o => Task.Run(async () =>
        {
            var key = new ObjectKey("bench", $"{run}-{o}");
            var mine = latencies[o] = new List<double>(4096);
            for (long seq = 1; stop.Elapsed < RunTime; seq++)
            {
                var batch = new WriteBatch();
                batch.Put("counter", new StoredValue(StoredValueKind.Json, System.Text.Encoding.UTF8.GetBytes(seq.ToString())));
                if (o == 0 && seq == 1) payloadBytes = JournalCodec.EncodeEvent(batch).Length;
                var started = Stopwatch.GetTimestamp();
                await provider.AppendAsync(key, new JournalEvent(seq, DateTimeOffset.UtcNow, batch), CancellationToken.None);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var elapsed = stop.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine($"{name} provider, {objects} object(s): {all.Length / elapsed.TotalSeconds:N0} appends/s, " +
                          $"latency p50 {Percentile(all, 0.5):0.00} ms p99 {Percentile(all, 0.99):0.00} ms, payload {payloadBytes} B/event");
    }

    private static async Task RecoveryAsync(string name, Func<JournalStorageOptions?, JournalStorageProvider> create)
    {
        var run = Guid.NewGuid().ToString("n");
        var wide = new ObjectKey("bench", $"{run}-wide");
        var deep = new ObjectKey("bench", $"{run}-deep");
        var deepNoSnapshots = new ObjectKey("bench", $"{run}-deep-raw");
        long deepBytes = 0;
        await using (var writer = create(null))
        {
            await writer.OpenAsync(CancellationToken.None);
            for (var e = 0; e < 100; e++)
            {
                var batch = new WriteBatch();
                for (var k = 0; k < 100; k++)
                    batch.Put($"key/{e * 100 + k:00000}", new StoredValue(StoredValueKind.Json, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{e * 100 + k}}}")));
                await writer.AppendAsync(wide, new JournalEvent(e + 1, DateTimeOffset.UtcNow, batch), CancellationToken.None);
            }
            await writer.SnapshotAsync(wide, CancellationToken.None);
            deepBytes = await AppendManyAsync(writer, deep, 100_000);
            await writer.WhenSnapshotsIdleAsync();
        }
        await using (var raw = create(new SqliteStorageOptions { SnapshotEveryEvents = int.MaxValue, SnapshotEveryBytes = long.MaxValue }))
        {
            await raw.OpenAsync(CancellationToken.None);
            await AppendManyAsync(raw, deepNoSnapshots, 100_000);
        }

        await using var reader = create(null);
        await reader.OpenAsync(CancellationToken.None);
        await reader.LoadAsync(new ObjectKey("bench", "warm-up"), CancellationToken.None);
        Console.WriteLine($"{name} recovery, 10,000 keys (snapshot): {await TimeLoadAsync(reader, wide, 10_000):0.0} ms");
        Console.WriteLine($"{name} recovery, 100,000 events (snapshot + tail): {await TimeLoadAsync(reader, deep, null):0.0} ms");
        Console.WriteLine($"{name} recovery, 100,000 events (no snapshot, full replay): {await TimeLoadAsync(reader, deepNoSnapshots, null):0.0} ms");
        Console.WriteLine($"{name} bytes per event (payload, 1 small put): {deepBytes / 100_000.0:0.0}");
        if (reader is SqliteStorageProvider sqlite)
            Console.WriteLine($"{name} database file: {new FileInfo(sqlite.DatabasePath).Length / 1024.0 / 1024:0.0} MiB");
    }

    private static async Task<long> AppendManyAsync(JournalStorageProvider provider, ObjectKey key, int events)
    {
        // Pipelined (the writer keeps channel order), so building the history does not take one fsync per event.
        long bytes = 0;
        var inFlight = new List<Task>(1_000);
        for (var seq = 1; seq <= events; seq++)
        {
            var batch = new WriteBatch();
            batch.Put($"k{seq % 100}", new StoredValue(StoredValueKind.Json, System.Text.Encoding.UTF8.GetBytes(seq.ToString())));
            bytes += JournalCodec.EncodeEvent(batch).Length;
            inFlight.Add(provider.AppendAsync(key, new JournalEvent(seq, DateTimeOffset.UtcNow, batch), CancellationToken.None));
            if (inFlight.Count == 1_000)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        await Task.WhenAll(inFlight);
        return bytes;
    }

    private static async Task<double> TimeLoadAsync(JournalStorageProvider provider, ObjectKey key, int? expectKeys)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var data = await provider.LoadAsync(key, CancellationToken.None);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (expectKeys is { } n && data.Entries.Count != n) throw new InvalidOperationException($"recovered {data.Entries.Count} keys, expected {n}");
        }
        return best;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static async Task<string> PostgresSchemaAsync(string connectionString)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("n")[..12];
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await new Npgsql.NpgsqlCommand($"CREATE SCHEMA {schema}", connection).ExecuteNonQueryAsync();
        return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema, MaxPoolSize = 20 }.ConnectionString;
    }

    private sealed class PutObject(DurableObjectState state) : DurableObject
    {
        private long _count;

        public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
        {
            await state.Storage.PutAsync("counter", ++_count);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }
}
