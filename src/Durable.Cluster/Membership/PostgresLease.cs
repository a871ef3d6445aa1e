using Akka.Actor;
using Akka.Coordination;
using Npgsql;

namespace Durable.Cluster.Membership;

/// <summary>
/// Akka's <see cref="Lease"/> on a row of <c>durable_akka_leases</c> (name, owner, expiry, fencing epoch), used by the
/// split brain resolver (<c>lease-majority</c>) and by sharding's per-shard lease (<c>use-lease</c>).
/// </summary>
/// <remarks>
/// What it promises:
/// - At most one owner at a time by the database's clock: a row is taken only when it is free, released, or past its
///   expiry by PostgreSQL's <c>now()</c>; every comparison that decides ownership runs in SQL, so nodes' clocks never
///   disagree about it. The epoch grows by one for every new tenure, so a write fenced by it can tell tenures apart.
/// - The holder learns of a loss before anyone else can take the lease: it counts its tenure from the moment it SENT
///   the statement that set the expiry (which PostgreSQL computed later, from its own now()), minus a safety margin,
///   so its own deadline always falls before the row's expiry. Past that deadline <see cref="CheckLease"/> is false
///   and the lost callback runs, whether or not a renewal was tried: a node paused or starved of CPU gives the lease up
///   by its own clock first.
/// - A renewal the database refuses (the row was taken, or expired) or that fails (connection lost, timeout) ends the
///   tenure at once and runs the lost callback; the next <see cref="Acquire()"/> starts a new tenure.
/// Renewals of all the leases a process holds go in one statement per heartbeat interval (<see cref="LeaseRenewals"/>):
/// a node holds one lease per shard it hosts.
/// Configuration (the lease's HOCON section, falling back to <c>akka.coordination.lease</c>): <c>connection-string</c>,
/// <c>heartbeat-timeout</c> (the row's time to live), <c>heartbeat-interval</c> (renewals), <c>lease-operation-timeout</c>,
/// <c>safety-margin</c>.
/// </remarks>
public sealed class PostgresLease : Lease
{
    private readonly AkkaClusterDatabase _database;
    private readonly LeaseRenewals _renewals;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _operations = new(1, 1);
    private readonly Lock _gate = new();
    private Tenure? _tenure;
    private Action<Exception>? _onLost;

    /// <summary>The constructor Akka's <see cref="LeaseProvider"/> calls.</summary>
    public PostgresLease(LeaseSettings settings, ActorSystem system)
        : this(settings, TimeProvider.System)
    {
    }

    internal PostgresLease(LeaseSettings settings, TimeProvider time) : base(settings)
    {
        var config = settings.LeaseConfig;
        var connectionString = config.GetString("connection-string", null);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException($"The lease {settings.LeaseName} has no connection-string in its configuration.", nameof(settings));
        TimeToLive = settings.TimeoutSettings.HeartbeatTimeout;
        SafetyMargin = config.GetTimeSpan("safety-margin", TimeSpan.FromTicks(TimeToLive.Ticks / 4), allowInfinite: false);
        if (SafetyMargin < TimeSpan.Zero || SafetyMargin >= TimeToLive - settings.TimeoutSettings.HeartbeatInterval)
            throw new ArgumentException(
                $"The lease {settings.LeaseName}: safety-margin ({SafetyMargin}) must be at least 0 and leave more than one " +
                $"heartbeat-interval ({settings.TimeoutSettings.HeartbeatInterval}) of heartbeat-timeout ({TimeToLive}).", nameof(settings));
        _time = time;
        _database = AkkaClusterDatabase.For(connectionString);
        _renewals = _database.Renewals(TimeToLive, settings.TimeoutSettings.HeartbeatInterval, settings.TimeoutSettings.OperationTimeout, time);
    }

    public TimeSpan TimeToLive { get; }

    public TimeSpan SafetyMargin { get; }

    /// <summary>The fencing epoch of the tenure held now; null when not held.</summary>
    public long? Epoch
    {
        get
        {
            lock (_gate) return _tenure?.Epoch;
        }
    }

    /// <summary>Test hook: a paused lease is left out of renewals, as if its node were frozen.</summary>
    internal bool RenewalsPaused { get; set; }

    public override Task<bool> Acquire() => Acquire(null!);

    public override async Task<bool> Acquire(Action<Exception> leaseLostCallback)
    {
        await _operations.WaitAsync();
        try
        {
            lock (_gate)
            {
                if (_tenure is not null)
                {
                    _onLost = leaseLostCallback ?? _onLost;
                    return true;
                }
            }
            var sent = _time.GetUtcNow();
            using var timeout = new CancellationTokenSource(Settings.TimeoutSettings.OperationTimeout);
            await using var connection = await _database.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("""
                INSERT INTO durable_akka_leases AS l (name, owner, expires_at, epoch) VALUES ($1, $2, now() + $3, 1)
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
                  epoch = l.epoch + CASE WHEN l.owner = excluded.owner AND l.expires_at > now() THEN 0 ELSE 1 END
                WHERE l.owner IS NULL OR l.owner = excluded.owner OR l.expires_at <= now()
                RETURNING l.epoch
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Settings.LeaseName });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Settings.OwnerName });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = TimeToLive });
            if (await command.ExecuteScalarAsync(timeout.Token) is not long epoch) return false;
            var tenure = new Tenure(epoch, this);
            lock (_gate)
            {
                _tenure = tenure;
                _onLost = leaseLostCallback;
                tenure.Start(sent + TimeToLive - SafetyMargin, _time);
            }
            _renewals.Add(tenure);
            LeaseStatistics.Acquired();
            return true;
        }
        finally
        {
            _operations.Release();
        }
    }

    public override async Task<bool> Release()
    {
        await _operations.WaitAsync();
        try
        {
            Tenure? tenure;
            lock (_gate)
            {
                tenure = _tenure;
                _tenure = null;
                _onLost = null;
                tenure?.Stop();
            }
            if (tenure is not null) _renewals.Remove(tenure);
            // The row is freed even when this instance no longer counts it held (a renewal failed): it may still be ours.
            using var timeout = new CancellationTokenSource(Settings.TimeoutSettings.OperationTimeout);
            await using var connection = await _database.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand(
                "UPDATE durable_akka_leases SET owner = NULL, expires_at = '-infinity' WHERE name = $1 AND owner = $2", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Settings.LeaseName });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Settings.OwnerName });
            await command.ExecuteNonQueryAsync(timeout.Token);
            return true;
        }
        finally
        {
            _operations.Release();
        }
    }

    public override bool CheckLease()
    {
        lock (_gate) return _tenure is { } tenure && _time.GetUtcNow() < tenure.Deadline;
    }

    /// <summary>A renewal sent at <paramref name="sent"/> was stored: the tenure's local deadline moves on.</summary>
    internal void Renewed(Tenure tenure, DateTimeOffset sent)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_tenure, tenure)) return;
            tenure.Extend(sent + TimeToLive - SafetyMargin, _time);
        }
        LeaseStatistics.Renewed();
    }

    /// <summary>Ends <paramref name="tenure"/> if it is still the current one and tells the holder.</summary>
    internal void Lost(Tenure tenure, Exception reason)
    {
        Action<Exception>? onLost;
        lock (_gate)
        {
            if (!ReferenceEquals(_tenure, tenure)) return;
            _tenure = null;
            onLost = _onLost;
            _onLost = null;
            tenure.Stop();
        }
        _renewals.Remove(tenure);
        LeaseStatistics.Lost();
        onLost?.Invoke(reason);
    }

    internal void DeadlinePassed(Tenure tenure) => Lost(tenure, new LeaseTimeoutException(
        $"The lease {Settings.LeaseName} of {Settings.OwnerName} (epoch {tenure.Epoch}) was not renewed before its local deadline " +
        $"{tenure.Deadline:O}, {SafetyMargin.TotalMilliseconds} ms before it can expire in the database."));
}
