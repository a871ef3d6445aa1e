using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Npgsql;

namespace Durable.Cluster.Membership;

/// <summary>
/// Forms or joins the cluster through the PostgreSQL the nodes share, then keeps this node's row alive.
/// </summary>
/// <remarks>
/// Formation runs under a transaction-scoped advisory lock: the node reads the addresses whose rows are live (expiry by
/// the database's now()), registers its own, and commits; with no live address it joins itself (it forms the cluster),
/// otherwise it joins those. Nodes started at the same instant take the lock one after another, so only the first sees
/// no live row: one cluster, never two. A live row of a node that died (its row not yet expired) can leave a join
/// unanswered; if this node is not a member after <see cref="MemberRegistrySettings.JoinTimeout"/>, formation runs again
/// with the rows live then. A member's row is renewed every heartbeat, deleted when a running member sees it removed, and
/// by the node itself when it shuts down.
/// </remarks>
internal sealed class MemberRegistry : ReceiveActor, IWithTimers
{
    private const long FormationLock = 7262890602;
    private readonly AkkaClusterDatabase _database;
    private readonly MemberRegistrySettings _settings;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _self;
    private bool _shuttingDown;

    public MemberRegistry(AkkaClusterDatabase database, MemberRegistrySettings settings)
    {
        _database = database;
        _settings = settings;
        _self = _cluster.SelfAddress.ToString();
        ReceiveAsync<Form>(_ => FormAsync());
        Receive<CheckJoined>(_ =>
        {
            if (_cluster.State.Members.Any(m => m.Address == _cluster.SelfAddress)) return;
            _log.Warning("Node {0} is not a member {1} after joining; forming again from the live rows", _self, _settings.JoinTimeout);
            Self.Tell(Form.Instance);
        });
        Receive<Heartbeat>(_ => RenewAsync().PipeTo(Self, success: () => Done.Instance, failure: e => new Failed("renew its member row", e)));
        // A node shutting down hears every other member "removed" (Akka publishes the empty state as it stops): those
        // members are alive, so their rows stay. Only what a running member sees removed is deleted.
        Receive<ClusterEvent.ClusterShuttingDown>(_ => _shuttingDown = true);
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (_shuttingDown || removed.Member.Address == _cluster.SelfAddress) return;
            DeleteAsync(removed.Member.Address.ToString()).PipeTo(Self, success: () => Done.Instance, failure: e => new Failed("delete a removed member's row", e));
        });
        Receive<Done>(_ => { });
        Receive<Failed>(f => _log.Warning("Node {0} could not {1}: {2}", _self, f.What, f.Cause.Message));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AkkaClusterDatabase database, MemberRegistrySettings settings) =>
        Akka.Actor.Props.Create(() => new MemberRegistry(database, settings));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.ClusterShuttingDown));
        Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, _settings.HeartbeatInterval);
        var database = _database;
        var self = _self;
        CoordinatedShutdown.Get(Context.System).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "durable-member-row", async () =>
        {
            await DeleteAsync(database, self);
            return Done.Instance;
        });
        Self.Tell(Form.Instance);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private async Task FormAsync()
    {
        List<Address> seeds;
        try
        {
            seeds = await RegisterAsync();
        }
        catch (Exception e)
        {
            _log.Warning("Node {0} could not register in PostgreSQL ({1}); trying again in {2}", _self, e.Message, _settings.HeartbeatInterval);
            Timers.StartSingleTimer("form", Form.Instance, _settings.HeartbeatInterval);
            return;
        }
        if (seeds.Count == 0)
        {
            _log.Info("Node {0} found no live member in PostgreSQL and forms the cluster", _self);
            _cluster.Join(_cluster.SelfAddress);
        }
        else
        {
            _log.Info("Node {0} joins the cluster through {1}", _self, string.Join(", ", seeds));
            _cluster.JoinSeedNodes(seeds);
        }
        Timers.StartSingleTimer("check-joined", CheckJoined.Instance, _settings.JoinTimeout);
    }

    /// <summary>Under the formation lock: the live members' addresses (not this node's), then this node's row.</summary>
    private async Task<List<Address>> RegisterAsync()
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({FormationLock})", connection, transaction);
        await command.ExecuteNonQueryAsync();
        command.CommandText = "SELECT address FROM durable_akka_members WHERE expires_at > now() AND address <> $1 ORDER BY registered_at, address";
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _self });
        var seeds = new List<Address>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) seeds.Add(Address.Parse(reader.GetString(0)));
        command.CommandText = """
            INSERT INTO durable_akka_members(address, expires_at) VALUES ($1, now() + $2)
            ON CONFLICT (address) DO UPDATE SET expires_at = excluded.expires_at
            """;
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _settings.TimeToLive });
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return seeds;
    }

    private async Task RenewAsync()
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("UPDATE durable_akka_members SET expires_at = now() + $2 WHERE address = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _self });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _settings.TimeToLive });
        await command.ExecuteNonQueryAsync();
    }

    private Task DeleteAsync(string address) => DeleteAsync(_database, address);

    private static async Task DeleteAsync(AkkaClusterDatabase database, string address)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("DELETE FROM durable_akka_members WHERE address = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = address });
        await command.ExecuteNonQueryAsync();
    }

    private sealed record Form
    {
        public static readonly Form Instance = new();
    }

    private sealed record CheckJoined
    {
        public static readonly CheckJoined Instance = new();
    }

    private sealed record Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed record Failed(string What, Exception Cause);
}

/// <summary>Timings of <see cref="MemberRegistry"/>.</summary>
/// <param name="TimeToLive">How long a member's row stays live without renewal.</param>
/// <param name="HeartbeatInterval">How often a member renews its row.</param>
/// <param name="JoinTimeout">How long a join may take before formation runs again.</param>
internal sealed record MemberRegistrySettings(TimeSpan TimeToLive, TimeSpan HeartbeatInterval, TimeSpan JoinTimeout);
