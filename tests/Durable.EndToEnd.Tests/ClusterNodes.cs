using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Durable.Cluster;
using Durable.Cluster.Hosting;
using Durable.Storage;
using Npgsql;

namespace Durable.EndToEnd.Tests;

/// <summary>
/// A cluster of real node processes on loopback sharing one fresh PostgreSQL schema (from <c>DURABLE_TEST_PG</c>, set by
/// <c>scripts/postgres.sh</c>). Short leases (2 s, renewed every 500 ms) keep failover tests quick.
/// </summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    private readonly string _schema = "e2e_" + Guid.NewGuid().ToString("n")[..12];
    private readonly string _connectionString;

    private ClusterNodes(string connectionString) => _connectionString = connectionString;

    public List<NodeProcess> Nodes { get; } = [];

    public List<HttpClient> Clients { get; } = [];

    public static async Task<ClusterNodes> StartAsync(int count)
    {
        var server = Environment.GetEnvironmentVariable("DURABLE_TEST_PG") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "DURABLE_TEST_PG is not set, so the cluster tests have no PostgreSQL server. Run `eval \"$(scripts/postgres.sh start)\"` " +
                "from the repository root, then run the tests again.");
        var cluster = new ClusterNodes(server);
        await ExecuteAsync(server, $"CREATE SCHEMA {cluster._schema}");
        for (var i = 0; i < count; i++) await cluster.AddNodeAsync();
        await cluster.WaitAllocatedAsync(count, TimeSpan.FromSeconds(30));
        return cluster;
    }

    public async Task<NodeProcess> AddNodeAsync()
    {
        var port = FreePort();
        var cs = new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = _schema, MaxPoolSize = 30 }.ConnectionString;
        var node = await NodeProcess.StartAsync(
        [
            "--urls", $"http://127.0.0.1:{port}",
            "--Durable:Storage:Provider=postgres",
            $"--Durable:Storage:Postgres:ConnectionString={cs}",
            "--Durable:Cluster:Enabled=true",
            $"--Durable:Cluster:LeaseTtl={LeaseTtl.TotalMilliseconds}ms",
            "--Durable:Cluster:HeartbeatInterval=500ms",
            "--Durable:Cluster:LeaseSafetyMargin=500ms",
            "--Durable:Cluster:MapRefreshInterval=500ms",
        ]);
        Nodes.Add(node);
        Clients.Add(new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(15) });
        return node;
    }

    /// <summary>Waits until the cluster has <paramref name="liveNodes"/> nodes up and is balanced (every shard owned, none
    /// moving, the spread even), so the first requests of a test do not meet a shard on the move. "None moving" alone is
    /// not enough: it also reads true between two allocation rounds of a join.</summary>
    public async Task WaitAllocatedAsync(int liveNodes, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var status = await StatusAsync(Clients[^1]);
                if (status.GetProperty("balanced").GetBoolean() &&
                    status.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("status").GetString() == "up") == liveNodes)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            if (watch.Elapsed > within)
                throw new TimeoutException($"The cluster of {liveNodes} nodes did not allocate every shard within {within.TotalSeconds} s.");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Index in <see cref="Nodes"/> of the node that holds the lease of the shard of object <paramref name="name"/> now:
    /// its id from <c>X-Durable-Id</c>, its shard computed as the cluster does, the owner read from PostgreSQL.
    /// </summary>
    public async Task<int> OwnerOfAsync(string ns, string name)
    {
        using var response = await Clients[0].GetAsync($"/ns/{ns}/name/{name}/");
        var id = response.Headers.GetValues("X-Durable-Id").Single();
        var shard = ShardId.For(new ObjectKey(ns, id), new ClusterOptions().Shards).Value;
        await using var connection = new NpgsqlConnection(SchemaConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT n.url FROM shard_leases l JOIN cluster_nodes n ON n.id = l.owner WHERE l.shard = $1 AND l.expires_at > now()", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = shard });
        var url = (string?)await command.ExecuteScalarAsync()
            ?? throw new InvalidOperationException($"Shard {shard} of {ns}:{name} ({id}) has no live owner.");
        var index = Nodes.FindIndex(n => n.Address.ToString().TrimEnd('/') == url.TrimEnd('/'));
        return index >= 0 ? index : throw new InvalidOperationException($"Shard {shard} of {ns}:{name} is owned at {url}, not a node of this test.");
    }

    private string SchemaConnectionString => new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = _schema }.ConnectionString;

    public static async Task<JsonElement> StatusAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/cluster")).RootElement;

    /// <summary>POST /increment; the new value, or null when the request failed (error status or no connection).</summary>
    public static async Task<long?> IncrementAsync(HttpClient client, string counter)
    {
        try
        {
            using var response = await client.PostAsync($"/ns/counter/name/{counter}/increment", null);
            if (response.StatusCode != HttpStatusCode.OK) return null;
            return long.Parse(await response.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Resume();
            node.Kill();
            await node.DisposeAsync();
        }
        foreach (var client in Clients) client.Dispose();
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_connectionString, $"DROP SCHEMA {_schema} CASCADE");
    }
}

/// <summary>
/// The cluster tests time handoffs and failovers against lease TTLs, so they run alone: beside the other classes' node
/// processes (each start-up takes most of a core on a 2-core machine) a join's handoff outage reached 2.1-2.9 s against
/// its 2 s bound in two of three runs of the whole assembly.
/// </summary>
[CollectionDefinition("cluster processes", DisableParallelization = true)]
public sealed class ClusterProcessesCollection;
