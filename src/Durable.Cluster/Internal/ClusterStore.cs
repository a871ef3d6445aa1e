using System.Collections.Immutable;
using Durable.Cluster.Hosting;
using Durable.Storage.Postgres;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;

namespace Durable.Cluster.Internal;

/// <summary>
/// The cluster's tables in PostgreSQL and every statement on them. PostgreSQL is the only coordinator: membership is
/// rows with heartbeats, ownership is lease rows with epochs, the allocator is whoever holds an advisory lock, and
/// changes are announced with NOTIFY. Every lease comparison that matters for safety uses the database's <c>now()</c>.
/// </summary>
/// <remarks>
/// Lock order: every statement that writes more than one lease row first locks the rows it will touch in shard order
/// (<c>ORDER BY shard FOR UPDATE</c>), so heartbeats, allocation and leaves of different nodes cannot deadlock on the
/// table. A statement the server still rolls back for a deadlock or a serialization failure is retried a few times.
/// </remarks>
internal sealed partial class ClusterStore : IAsyncDisposable
{
    public const string Channel = "durable_cluster";
    private const long AllocationLock = 7262890512;

    private readonly ResiliencePipeline _retry;
    private long _retries;

    /// <summary>
    /// The store on <see cref="ClusterOptions.ConnectionString"/>. A transaction left open by a paused node (its heartbeat's
    /// lease-row locks, the allocator's lock) is ended by the server after half a lease TTL, so the nodes taking over its
    /// shards are never stalled behind it; the other nodes' leases, renewed every heartbeat, outlast that wait.
    /// </summary>
    public static ClusterStore Create(ClusterOptions options) => new(NpgsqlDataSource.Create(
        PostgresSessions.WithIdleInTransactionTimeout(options.ConnectionString!, options.LeaseTtl / 2)));

    /// <summary>SQLSTATE 25P03, idle_in_transaction_session_timeout (Npgsql names no constant for it).</summary>
    private const string IdleInTransactionSessionTimeout = "25P03";

    public ClusterStore(NpgsqlDataSource dataSource)
    {
        DataSource = dataSource;
        // Backoff is real time even under a test's virtual clock: it waits for the database, not for the cluster's logic.
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Only errors after which the server has rolled the whole transaction back: a retry cannot apply twice.
                // A transaction left idle past the session's timeout (a node starved of CPU between two statements) is
                // one: the server ends the session and rolls back, and the retry takes a fresh connection.
                ShouldHandle = new PredicateBuilder().Handle<PostgresException>(e => e.SqlState is PostgresErrorCodes.DeadlockDetected
                    or PostgresErrorCodes.SerializationFailure or IdleInTransactionSessionTimeout),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(20),
                OnRetry = _ =>
                {
                    Interlocked.Increment(ref _retries);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Statements the server rolled back (deadlock, serialization failure) and this store ran again.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Registers the node; creates the shard rows the first time and checks the cluster's shard count.</summary>
    public Task JoinAsync(NodeId node, string url, int shards, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(token => new ValueTask(JoinOnceAsync(node, url, shards, token)), cancellationToken).AsTask();

    private async Task JoinOnceAsync(NodeId node, string url, int shards, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "INSERT INTO cluster_meta(name, value) VALUES ('shards', $1) ON CONFLICT DO NOTHING", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shards.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.Parameters.Clear();
        command.CommandText = "SELECT value FROM cluster_meta WHERE name = 'shards'";
        var stored = int.Parse((string)(await command.ExecuteScalarAsync(cancellationToken))!, System.Globalization.CultureInfo.InvariantCulture);
        if (stored != shards)
            throw new InvalidOperationException(
                $"Node {node} is configured with {shards} shards (Durable:Cluster:Shards) but the cluster in this database has {stored}; " +
                "the shard count is fixed for a cluster's lifetime.");
        command.CommandText = """
            INSERT INTO shard_leases(shard) SELECT g FROM generate_series(0, $1 - 1) AS g ON CONFLICT DO NOTHING;
            """;
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = shards });
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.Parameters.Clear();
        command.CommandText = """
            INSERT INTO cluster_nodes(id, url, started_at, heartbeat) VALUES ($1, $2, now(), now())
            ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat = now()
            """;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = url });
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.Parameters.Clear();
        command.CommandText = $"SELECT pg_notify('{Channel}', 'join')";
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The heartbeat, one statement: marks the node alive and extends every lease it holds that has not expired, by the
    /// database's clock. Returns those leases (an expired lease is never revived: it is granted again at a new epoch).
    /// </summary>
    public Task<List<RenewedLease>> HeartbeatAsync(NodeId node, TimeSpan ttl, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(token => new ValueTask<List<RenewedLease>>(HeartbeatOnceAsync(node, ttl, token)), cancellationToken).AsTask();

    private async Task<List<RenewedLease>> HeartbeatOnceAsync(NodeId node, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand("""
            WITH alive AS (UPDATE cluster_nodes SET heartbeat = now() WHERE id = $1 RETURNING id),
            held AS MATERIALIZED (
                SELECT shard FROM shard_leases
                WHERE owner = $1 AND expires_at > now() AND EXISTS (SELECT 1 FROM alive)
                ORDER BY shard FOR UPDATE)
            UPDATE shard_leases SET expires_at = now() + $2
            FROM held WHERE shard_leases.shard = held.shard AND owner = $1 AND expires_at > now()
            RETURNING shard_leases.shard, epoch, handoff_to
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node.Value });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var leases = new List<RenewedLease>();
        while (await reader.ReadAsync(cancellationToken))
            leases.Add(new RenewedLease(new ShardId(reader.GetInt32(0)), reader.GetInt64(1),
                reader.IsDBNull(2) ? null : new NodeId(reader.GetString(2))));
        return leases;
    }

    /// <summary>
    /// Runs allocation if no other node is running it (transaction-scoped advisory lock): grants free shards, plans
    /// handoffs, cancels handoffs to dead nodes, and announces a change. Returns null when another node held the lock.
    /// </summary>
    public Task<ShardAllocator.Plan?> TryAllocateAsync(TimeSpan ttl, int maxHandoffs, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(token => new ValueTask<ShardAllocator.Plan?>(TryAllocateOnceAsync(ttl, maxHandoffs, token)), cancellationToken).AsTask();

    private async Task<ShardAllocator.Plan?> TryAllocateOnceAsync(TimeSpan ttl, int maxHandoffs, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({AllocationLock})", connection, transaction);
        if (await command.ExecuteScalarAsync(cancellationToken) is not true) return null;

        command.CommandText = "SELECT id FROM cluster_nodes WHERE heartbeat > now() - $1 ORDER BY id";
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
        var nodes = new List<NodeId>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) nodes.Add(new NodeId(reader.GetString(0)));
        command.Parameters.Clear();

        // Locks every lease row, in shard order, before any is written: the grants, handoffs and cancels below then take
        // no new row locks, so this transaction cannot deadlock with a heartbeat or a leave.
        command.CommandText = """
            SELECT shard, owner, owner IS NOT NULL AND expires_at > now(), handoff_to FROM shard_leases ORDER BY shard FOR UPDATE
            """;
        var leases = new List<ShardAllocator.Lease>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                leases.Add(new ShardAllocator.Lease(new ShardId(reader.GetInt32(0)), reader.IsDBNull(1) ? null : new NodeId(reader.GetString(1)),
                    reader.GetBoolean(2), reader.IsDBNull(3) ? null : new NodeId(reader.GetString(3))));

        var plan = ShardAllocator.Compute(nodes, leases, maxHandoffs);
        if (plan.IsEmpty) return plan;

        await using var batch = new NpgsqlBatch(connection, transaction);
        if (plan.Grants.Count > 0)
        {
            // Only a lease that is free by the database's clock is granted; the epoch moves on with every new owner.
            var grant = new NpgsqlBatchCommand("""
                UPDATE shard_leases SET owner = g.node, epoch = epoch + 1, expires_at = now() + $3, handoff_to = NULL
                FROM unnest($1::int[], $2::text[]) AS g(shard, node)
                WHERE shard_leases.shard = g.shard AND (owner IS NULL OR expires_at <= now())
                """);
            grant.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = plan.Grants.Select(g => g.Shard.Value).ToArray() });
            grant.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = plan.Grants.Select(g => g.To.Value).ToArray() });
            grant.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
            batch.BatchCommands.Add(grant);
        }
        if (plan.Handoffs.Count > 0)
        {
            var handoff = new NpgsqlBatchCommand("""
                UPDATE shard_leases SET handoff_to = g.node
                FROM unnest($1::int[], $2::text[]) AS g(shard, node)
                WHERE shard_leases.shard = g.shard AND expires_at > now() AND handoff_to IS NULL
                """);
            handoff.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = plan.Handoffs.Select(g => g.Shard.Value).ToArray() });
            handoff.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = plan.Handoffs.Select(g => g.To.Value).ToArray() });
            batch.BatchCommands.Add(handoff);
        }
        if (plan.Cancelled.Count > 0)
        {
            var cancel = new NpgsqlBatchCommand("UPDATE shard_leases SET handoff_to = NULL WHERE shard = ANY($1)");
            cancel.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = plan.Cancelled.Select(s => s.Value).ToArray() });
            batch.BatchCommands.Add(cancel);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{Channel}', 'allocation')"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return plan;
    }

    /// <summary>Ends a handoff: the lease passes to its target at the next epoch, only if this node still holds it at
    /// <paramref name="epoch"/>. False when it did not (the lease had expired or moved).</summary>
    public Task<bool> TransferAsync(ShardId shard, NodeId from, long epoch, NodeId to, TimeSpan ttl, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(token => new ValueTask<bool>(TransferOnceAsync(shard, from, epoch, to, ttl, token)), cancellationToken).AsTask();

    private async Task<bool> TransferOnceAsync(ShardId shard, NodeId from, long epoch, NodeId to, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await using var batch = DataSource.CreateBatch();
        var move = new NpgsqlBatchCommand("""
            UPDATE shard_leases SET owner = handoff_to, epoch = epoch + 1, expires_at = now() + $5, handoff_to = NULL
            WHERE shard = $1 AND owner = $2 AND epoch = $3 AND handoff_to = $4 AND expires_at > now()
            """);
        move.Parameters.Add(new NpgsqlParameter<int> { TypedValue = shard.Value });
        move.Parameters.Add(new NpgsqlParameter<string> { TypedValue = from.Value });
        move.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
        move.Parameters.Add(new NpgsqlParameter<string> { TypedValue = to.Value });
        move.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
        batch.BatchCommands.Add(move);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{Channel}', 'handoff')"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return move.RecordsAffected == 1;
    }

    /// <summary>Graceful leave: frees every lease of the node (the next owner gets a new epoch) and removes it.</summary>
    public Task LeaveAsync(NodeId node, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(token => new ValueTask(LeaveOnceAsync(node, token)), cancellationToken).AsTask();

    private async Task LeaveOnceAsync(NodeId node, CancellationToken cancellationToken)
    {
        await using var batch = DataSource.CreateBatch();
        foreach (var sql in new[]
        {
            // One statement for both kinds of row, locked in shard order: leases it holds are freed, handoffs to it
            // are cancelled (SET sees the row as it was, so the CASEs test the old owner).
            """
            WITH touched AS MATERIALIZED (
                SELECT shard FROM shard_leases WHERE owner = $1 OR handoff_to = $1 ORDER BY shard FOR UPDATE)
            UPDATE shard_leases SET
                owner = CASE WHEN owner = $1 THEN NULL ELSE owner END,
                expires_at = CASE WHEN owner = $1 THEN '-infinity' ELSE expires_at END,
                handoff_to = NULL
            FROM touched WHERE shard_leases.shard = touched.shard
            """,
            "DELETE FROM cluster_nodes WHERE id = $1",
        })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node.Value });
            batch.BatchCommands.Add(command);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{Channel}', 'leave')"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ShardMap> ReadMapAsync(TimeSpan ttl, long version, CancellationToken cancellationToken)
    {
        await using var batch = DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT shard, owner, epoch, owner IS NOT NULL AND expires_at > now(), handoff_to FROM shard_leases ORDER BY shard"));
        var nodes = new NpgsqlBatchCommand("SELECT id, url, heartbeat, heartbeat > now() - $1 FROM cluster_nodes ORDER BY id");
        nodes.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
        batch.BatchCommands.Add(nodes);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var owners = ImmutableArray.CreateBuilder<ShardMap.Owner>();
        while (await reader.ReadAsync(cancellationToken))
            owners.Add(new ShardMap.Owner(reader.IsDBNull(1) ? null : new NodeId(reader.GetString(1)), reader.GetInt64(2), reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : new NodeId(reader.GetString(4))));
        await reader.NextResultAsync(cancellationToken);
        var members = ImmutableArray.CreateBuilder<ShardMap.Member>();
        while (await reader.ReadAsync(cancellationToken))
            members.Add(new ShardMap.Member(new NodeId(reader.GetString(0)), reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3)));
        return new ShardMap(owners.ToImmutable(), members.ToImmutable(), version);
    }

    /// <summary>Listens for change notifications until cancelled, calling <paramref name="changed"/> for each; a lost
    /// connection is reopened (the periodic refresh covers what was missed).</summary>
    public async Task ListenAsync(Action changed, Action<Exception> failed, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, _) => changed();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                while (true) await connection.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                failed(error);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
