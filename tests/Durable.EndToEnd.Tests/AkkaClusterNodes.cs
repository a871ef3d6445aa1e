using System.Diagnostics;
using System.Text.Json;
using Npgsql;

namespace Durable.EndToEnd.Tests;

/// <summary>
/// Node processes of a cluster on the akka engine (Akka.Cluster formed through PostgreSQL), all started at the same
/// instant, sharing one fresh PostgreSQL schema (from <c>DURABLE_TEST_PG</c>, set by <c>scripts/postgres.sh</c>).
/// </summary>
internal sealed class AkkaClusterNodes : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _schema = "akka_" + Guid.NewGuid().ToString("n")[..12];

    private AkkaClusterNodes(string server) => _server = server;

    public List<NodeProcess> Nodes { get; } = [];

    public List<HttpClient> Clients { get; } = [];

    public static async Task<AkkaClusterNodes> StartAsync(int count)
    {
        var server = PostgresServer.ConnectionString;
        var cluster = new AkkaClusterNodes(server);
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {cluster._schema}", connection);
            await command.ExecuteNonQueryAsync();
        }
        cluster.ConnectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = cluster._schema, MaxPoolSize = 20 }.ConnectionString;
        var starts = Enumerable.Range(0, count).Select(_ => cluster.StartNodeAsync()).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        finally
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully)) cluster.Add(start.Result);
        }
        return cluster;
    }

    /// <summary>The nodes' PostgreSQL (the cluster's own schema).</summary>
    public string ConnectionString { get; private set; } = "";

    private Task<NodeProcess> StartNodeAsync() => NodeProcess.StartAsync(
    [
        "--Durable:Storage:Provider=postgres",
        $"--Durable:Storage:Postgres:ConnectionString={ConnectionString}",
        "--Durable:Cluster:Enabled=true",
    ]);

    /// <summary>Starts one more node, which joins the cluster through PostgreSQL; returns its index.</summary>
    public async Task<int> AddNodeAsync()
    {
        Add(await StartNodeAsync());
        return Nodes.Count - 1;
    }

    /// <summary>
    /// Which node holds the lease of each shard of <paramref name="typeName"/> (a namespace) now, shard id → the owner's
    /// <c>system@host:port</c>: sharding's per-shard lease (<c>use-lease</c>) names the node whose shard runs the
    /// shard's objects. Rows past their expiry or released are left out.
    /// </summary>
    public async Task<Dictionary<string, string>> ShardOwnersAsync(string typeName)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT name, owner FROM durable_akka_leases WHERE name LIKE $1 AND owner IS NOT NULL AND expires_at > now()", connection);
        var prefix = $"-shard-{typeName}-";
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"%{prefix}%" });
        var owners = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(0);
            owners[name[(name.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..]] = reader.GetString(1);
        }
        return owners;
    }

    private void Add(NodeProcess node)
    {
        Nodes.Add(node);
        Clients.Add(new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(15) });
    }

    /// <summary>The members a node's <c>/cluster</c> lists, address → status; null while it does not answer.</summary>
    public static async Task<Dictionary<string, string>?> MembersAsync(HttpClient client)
    {
        try
        {
            var status = JsonDocument.Parse(await client.GetStringAsync("/cluster")).RootElement;
            return status.GetProperty("nodes").EnumerateArray()
                .ToDictionary(n => n.GetProperty("address").GetString()!, n => n.GetProperty("status").GetString()!);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>This node's own Akka address (<c>/cluster</c>'s "node").</summary>
    public static async Task<string> SelfAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/cluster")).RootElement.GetProperty("node").GetString()!;

    /// <summary>Waits until every node in <paramref name="clients"/> lists exactly <paramref name="expected"/> members at
    /// /cluster, all up (and, with <paramref name="healthy"/>, answers /healthz 200); fails naming the phase and what each
    /// node listed.</summary>
    public static async Task<TimeSpan> WaitAgreedAsync(IReadOnlyList<HttpClient> clients, IReadOnlySet<string>? expected, int count, TimeSpan within,
        string phase, bool healthy = true)
    {
        var watch = Stopwatch.StartNew();
        var seen = new Dictionary<string, string>[clients.Count];
        while (true)
        {
            var agreed = true;
            var listed = await Task.WhenAll(clients.Select(MembersAsync));
            for (var i = 0; i < clients.Count; i++)
            {
                var members = listed[i];
                seen[i] = members ?? [];
                if (members is null || members.Count != count || members.Values.Any(s => s != "up") ||
                    (expected is not null && !members.Keys.ToHashSet().SetEquals(expected)))
                    agreed = false;
            }
            if (agreed && healthy)
            {
                foreach (var client in clients)
                {
                    using var health = await client.GetAsync("/healthz");
                    if (!health.IsSuccessStatusCode) agreed = false;
                }
            }
            if (agreed) return watch.Elapsed;
            if (watch.Elapsed > within)
                throw new TimeoutException($"{phase}: the nodes did not agree on {count} members, all up, within {within.TotalSeconds} s; they listed " +
                    string.Join(" | ", seen.Select((m, i) => $"node {i}: " + string.Join(", ", m.Select(kv => $"{kv.Key}={kv.Value}")))));
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Kill();
            await node.DisposeAsync();
        }
        foreach (var client in Clients) client.Dispose();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA {_schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// The cluster tests time failovers against lease and failure-detector timings, so they run alone: beside the other
/// classes' node processes (each start-up takes most of a core on a 2-core machine) their timings are the machine's,
/// not the cluster's.
/// </summary>
[CollectionDefinition("cluster processes", DisableParallelization = true)]
public sealed class ClusterProcessesCollection;
