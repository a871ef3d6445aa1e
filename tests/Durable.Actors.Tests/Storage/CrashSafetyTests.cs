using System.Diagnostics;
using System.Text;
using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Journal;
using Durable.Storage.Postgres;
using Durable.Storage.Sqlite;
using Xunit.Abstractions;

namespace Durable.Actors.Tests.Storage;

/// <summary>
/// Real processes, real crashes: a child commits acknowledged batches (see tests/Durable.Storage.CrashChild) and is
/// SIGKILLed at random points, or its PostgreSQL server is crash-restarted under it. After every crash every
/// acknowledged batch must be present and every batch present must be whole.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Objects = 8;
    private const int Restarts = 20;
    private static readonly string Secret = "crash-child-id-secret-0123456789";

    [Fact]
    public async Task Sqlite_keeps_every_acknowledged_batch_whole_across_twenty_two_sigkills()
    {
        var directory = Directory.CreateTempSubdirectory("durable-crash-").FullName;
        var path = Path.Combine(directory, "crash.db");
        var random = new Random(20240611);
        var acked = new Dictionary<string, long>();
        var total = Stopwatch.StartNew();
        for (var kill = 1; kill <= 22; kill++)
        {
            await using var child = WriterChild.Start("sqlite", path);
            await child.WaitForAsync(acks: random.Next(1, 60), TimeSpan.FromSeconds(30), $"kill {kill}: waiting for acks");
            await Task.Delay(random.Next(0, 30));
            child.Kill();
            child.MergeInto(acked);
            await VerifyAsync(new SqliteStorageProvider(new SqliteStorageOptions { Path = path }), acked, $"after SIGKILL {kill}");
            Assert.True(total.Elapsed < TimeSpan.FromMinutes(3), $"the SQLite crash run took too long ({total.Elapsed}) at kill {kill}");
        }
        output.WriteLine($"22 SIGKILLs, {acked.Values.Sum()} acknowledged batches verified in {total.Elapsed.TotalSeconds:0.0} s");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Postgres_keeps_every_acknowledged_batch_whole_across_immediate_server_restarts()
    {
        var connectionString = PostgresServer.ConnectionString;
        var schema = "crash_" + Guid.NewGuid().ToString("n")[..12];
        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await new Npgsql.NpgsqlCommand($"CREATE SCHEMA {schema}", connection).ExecuteNonQueryAsync();
        }
        var scoped = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString;
        var acked = new Dictionary<string, long>();
        var random = new Random(7);
        var total = Stopwatch.StartNew();
        await using (var child = WriterChild.Start("postgres", scoped))
        {
            for (var restart = 1; restart <= Restarts; restart++)
            {
                await child.WaitForAsync(acks: child.Acks + random.Next(1, 200), TimeSpan.FromSeconds(60), $"restart {restart}: waiting for acks");
                var restarted = await RunScriptAsync("restart", "-m", "immediate");
                Assert.True(restarted == 0, $"scripts/postgres.sh restart -m immediate failed (exit {restarted}) at restart {restart}");
                child.MergeInto(acked);
                await VerifyAsync(new PostgresStorageProvider(new PostgresStorageOptions { ConnectionString = scoped }), acked, $"after server restart {restart}");
            }
            await child.WaitForAsync(acks: child.Acks + 20, TimeSpan.FromSeconds(60), "after the last restart: writes resume");
            child.Kill();
            child.MergeInto(acked);
        }
        await VerifyAsync(new PostgresStorageProvider(new PostgresStorageOptions { ConnectionString = scoped }), acked, "after SIGKILL of the child");
        output.WriteLine($"{Restarts} immediate restarts, {acked.Values.Sum()} acknowledged batches verified in {total.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Every acknowledged batch is present; every batch present is whole; nothing beyond "last" exists.</summary>
    private static async Task VerifyAsync(JournalStorageProvider provider, Dictionary<string, long> acked, string phase)
    {
        await using var opened = provider;
        await provider.OpenAsync(CancellationToken.None);
        var ids = new Durable.Internal.IdCodec(Encoding.UTF8.GetBytes(Secret));
        for (var i = 0; i < Objects; i++)
        {
            var name = $"w{i}";
            var data = await provider.LoadAsync(ObjectKey.For(ids.FromName("writer", name)), CancellationToken.None);
            var last = data.Entries.TryGet("last", out var value) ? long.Parse(Encoding.UTF8.GetString(value.Data)) : 0;
            var acknowledged = acked.GetValueOrDefault(name);
            Assert.True(last >= acknowledged, $"{phase}: object {name} has batches up to {last}, but {acknowledged} was acknowledged");
            Assert.Equal(last * 3 + (last > 0 ? 1 : 0), data.Entries.Count);
            for (var n = 1; n <= last; n++)
                foreach (var part in "abc")
                    Assert.True(data.Entries.TryGet($"n/{n}/{part}", out _), $"{phase}: object {name} batch {n} is missing part {part} (half applied)");
        }
    }

    private static async Task<int> RunScriptAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot, "scripts", "postgres.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return process.ExitCode;
    }

    private static string RepositoryRoot => CrashChild.RepositoryRoot;

    /// <summary>The writer child and the acknowledgements it printed ("ack w{i} {n}").</summary>
    private sealed class WriterChild : IAsyncDisposable
    {
        private readonly Dictionary<string, long> _acked = [];
        private readonly Lock _lock = new();
        private readonly CrashChild _child;
        private int _acks;

        private WriterChild(string provider, string target) =>
            _child = CrashChild.Start([provider, target, Objects.ToString()], OnLine);

        public int Acks => Volatile.Read(ref _acks);

        public static WriterChild Start(string provider, string target) => new(provider, target);

        private void OnLine(string line)
        {
            if (!line.StartsWith("ack ", StringComparison.Ordinal)) return;
            var parts = line.Split(' ');
            lock (_lock) _acked[parts[1]] = Math.Max(_acked.GetValueOrDefault(parts[1]), long.Parse(parts[2]));
            Interlocked.Increment(ref _acks);
        }

        public Task WaitForAsync(int acks, TimeSpan timeout, string phase) =>
            _child.WaitUntilAsync(() => Acks >= acks, timeout, $"{phase} ({Acks} of {acks} acks)");

        public void Kill() => _child.Kill();

        /// <summary>Adds this child's acknowledgements (only lines it printed completely) to <paramref name="acked"/>.</summary>
        public void MergeInto(Dictionary<string, long> acked)
        {
            lock (_lock)
                foreach (var (name, n) in _acked)
                    acked[name] = Math.Max(acked.GetValueOrDefault(name), n);
        }

        public ValueTask DisposeAsync() => _child.DisposeAsync();
    }
}
