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
            await using var child = ChildProcess.Start("sqlite", path);
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
        await using (var child = ChildProcess.Start("postgres", scoped))
        {
            for (var restart = 1; restart <= 3; restart++)
            {
                await child.WaitForAsync(acks: child.Acks + random.Next(20, 200), TimeSpan.FromSeconds(60), $"restart {restart}: waiting for acks");
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
        output.WriteLine($"3 immediate restarts, {acked.Values.Sum()} acknowledged batches verified in {total.Elapsed.TotalSeconds:0.0} s");
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

    internal static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DurableAkka.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No DurableAkka.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The child process and the acknowledgements it printed.</summary>
    private sealed class ChildProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Dictionary<string, long> _acked = [];
        private readonly Lock _lock = new();
        private readonly StringBuilder _errors = new();
        private int _acks;

        private ChildProcess(Process process) => _process = process;

        public int Acks => Volatile.Read(ref _acks);

        public static ChildProcess Start(string provider, string target)
        {
            var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = baseDirectory.Parent!.Name;
            var dll = Path.Combine(RepositoryRoot, "tests", "Durable.Storage.CrashChild", "bin", configuration, baseDirectory.Name, "Durable.Storage.CrashChild.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"The crash child is not built at {dll}.");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { dll, provider, target, Objects.ToString() }) start.ArgumentList.Add(arg);
            var child = new ChildProcess(Process.Start(start)!);
            child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
            child._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) lock (child._lock) child._errors.AppendLine(e.Data);
            };
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            return child;
        }

        private void OnLine(string? line)
        {
            if (line is null || !line.StartsWith("ack ", StringComparison.Ordinal)) return;
            var parts = line.Split(' ');
            lock (_lock) _acked[parts[1]] = Math.Max(_acked.GetValueOrDefault(parts[1]), long.Parse(parts[2]));
            Interlocked.Increment(ref _acks);
        }

        public async Task WaitForAsync(int acks, TimeSpan timeout, string phase)
        {
            var deadline = Stopwatch.StartNew();
            while (Acks < acks)
            {
                if (_process.HasExited)
                    throw new Xunit.Sdk.XunitException($"{phase}: the child exited ({_process.ExitCode}) after {Acks} acks: {Errors}");
                if (deadline.Elapsed > timeout)
                    throw new TimeoutException($"{phase}: the child made {Acks} of {acks} acks in {timeout.TotalSeconds} s. stderr: {Errors}");
                await Task.Delay(5);
            }
        }

        private string Errors
        {
            get { lock (_lock) return _errors.ToString(); }
        }

        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        /// <summary>Adds this child's acknowledgements (only lines it printed completely) to <paramref name="acked"/>.</summary>
        public void MergeInto(Dictionary<string, long> acked)
        {
            lock (_lock)
                foreach (var (name, n) in _acked)
                    acked[name] = Math.Max(acked.GetValueOrDefault(name), n);
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited) Kill();
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
