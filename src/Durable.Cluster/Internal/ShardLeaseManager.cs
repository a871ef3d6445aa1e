using Durable.Cluster.Hosting;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.Logging;

namespace Durable.Cluster.Internal;

/// <summary>
/// The shard leases this node holds, and the only place that decides whether it may serve or commit for a shard.
/// What it promises:
/// <list type="bullet">
/// <item>A shard is served (new events admitted, alarms fired) only in state Serving and only before the lease's local
/// deadline: the time this node <em>sent</em> the heartbeat that renewed it, plus the TTL, minus the safety margin.
/// PostgreSQL set the expiry from its own <c>now()</c>, which is later than the send, so the local deadline falls
/// before the real expiry whatever the two clocks read; only their rates must roughly agree.</item>
/// <item>Every journal append carries a fence token (shard, this node, epoch), handed out in Serving and Draining;
/// the commit checks it in the database, so after losing a lease nothing commits even if this process was paused and
/// its deadline check ran late.</item>
/// <item>Epochs only grow. A renewal that reports an epoch this node already released is ignored (it was read before
/// the transfer committed).</item>
/// </list>
/// Reads are lock-free (each shard's lease is an immutable record in an array slot); changes come from the heartbeat
/// loop and from handoffs, under one lock.
/// </summary>
internal sealed partial class ShardLeaseManager : IObjectPlacement, IJournalFence
{
    private readonly LocalLease?[] _leases;
    private readonly long[] _released;
    private readonly Lock _write = new();
    private readonly long _validFor;

    public ShardLeaseManager(ClusterOptions options, NodeId node, TimeProvider time, ILogger<ShardLeaseManager> logger)
    {
        Options = options;
        Node = node;
        Time = time;
        Logger = logger;
        _leases = new LocalLease?[options.Shards];
        _released = new long[options.Shards];
        _validFor = (long)((options.LeaseTtl - options.LeaseSafetyMargin).TotalSeconds * time.TimestampFrequency);
    }

    public ClusterOptions Options { get; }

    public NodeId Node { get; }

    public TimeProvider Time { get; }

    private ILogger Logger { get; }

    public int Shards => _leases.Length;

    public ShardId ShardOf(ObjectKey key) => ShardId.For(key, _leases.Length);

    public ShardId ShardOf(DurableObjectId id) => ShardId.For(id, _leases.Length);

    public LocalLease? this[ShardId shard] => Volatile.Read(ref _leases[shard.Value]);

    /// <summary>Shards this node serves now (state Serving, deadline not passed).</summary>
    public int ServingCount
    {
        get
        {
            var now = Time.GetTimestamp();
            return _leases.Count(l => l is { State: LocalShardState.Serving } lease && now < lease.ValidUntil);
        }
    }

    // ---- the hot path ----

    public void EnsureServedHere(DurableObjectId id)
    {
        var shard = ShardOf(id);
        if (Volatile.Read(ref _leases[shard.Value]) is { State: LocalShardState.Serving } lease && Time.GetTimestamp() < lease.ValidUntil) return;
        throw new ShardMovedException($"Node {Node} does not serve shard {shard} of object {id} now.", id, shard.Value);
    }

    public bool IsServedHere(ObjectKey key) =>
        Volatile.Read(ref _leases[ShardOf(key).Value]) is { State: LocalShardState.Serving } lease && Time.GetTimestamp() < lease.ValidUntil;

    public JournalFenceToken Acquire(ObjectKey key)
    {
        var shard = ShardOf(key);
        if (Volatile.Read(ref _leases[shard.Value]) is { State: LocalShardState.Serving or LocalShardState.Draining } lease
            && Time.GetTimestamp() < lease.ValidUntil)
            return new JournalFenceToken(shard.Value, Node.Value, lease.Epoch);
        throw new LeaseLostException(key, -1, $"node {Node} holds no valid lease of shard {shard}");
    }

    // ---- changes (heartbeat loop, handoffs) ----

    public sealed record RenewalOutcome(List<ShardId> Acquired, List<ShardId> Lost, List<LocalLease> HandoffsRequested);

    /// <summary>Applies a heartbeat's renewed leases; <paramref name="sentAt"/> is when the heartbeat was sent.</summary>
    public RenewalOutcome ApplyRenewal(IReadOnlyList<RenewedLease> renewed, long sentAt)
    {
        var outcome = new RenewalOutcome([], [], []);
        var validUntil = sentAt + _validFor;
        lock (_write)
        {
            var seen = new bool[_leases.Length];
            foreach (var row in renewed)
            {
                var s = row.Shard.Value;
                if (s >= _leases.Length || row.Epoch <= _released[s]) continue;
                seen[s] = true;
                var current = _leases[s];
                if (current is null || current.Epoch != row.Epoch)
                {
                    if (current is not null) Lose(current, outcome.Lost);
                    Volatile.Write(ref _leases[s], new LocalLease(row.Shard, row.Epoch, LocalShardState.Serving, validUntil, null));
                    outcome.Acquired.Add(row.Shard);
                    continue;
                }
                var next = current with { ValidUntil = validUntil };
                if (row.HandoffTo is { } target && current.State == LocalShardState.Serving)
                {
                    next = next.To(LocalShardState.Draining) with { HandoffTo = target };
                    outcome.HandoffsRequested.Add(next);
                }
                Volatile.Write(ref _leases[s], next);
            }
            for (var s = 0; s < _leases.Length; s++)
                if (!seen[s] && _leases[s] is { } held) Lose(held, outcome.Lost);
        }
        if (outcome.Acquired.Count > 0) Log.Acquired(Logger, Node, outcome.Acquired.Count, ServingCount);
        if (outcome.Lost.Count > 0) Log.Lost(Logger, Node, outcome.Lost.Count, string.Join(",", outcome.Lost.Take(16)));
        return outcome;
    }

    /// <summary>Leases whose local deadline passed without a renewal (heartbeats failing, or this process was paused).</summary>
    public List<ShardId> ExpireLapsed()
    {
        var lost = new List<ShardId>();
        var now = Time.GetTimestamp();
        lock (_write)
        {
            foreach (var lease in _leases)
                if (lease is not null && now >= lease.ValidUntil) Lose(lease, lost);
        }
        if (lost.Count > 0) Log.Lapsed(Logger, Node, lost.Count);
        return lost;
    }

    /// <summary>Marks every held lease Draining (graceful leave); returns them.</summary>
    public List<LocalLease> DrainAll()
    {
        var draining = new List<LocalLease>();
        lock (_write)
        {
            for (var s = 0; s < _leases.Length; s++)
            {
                if (_leases[s] is not { } lease) continue;
                var next = lease.State == LocalShardState.Serving ? lease.To(LocalShardState.Draining) : lease;
                Volatile.Write(ref _leases[s], next);
                draining.Add(next);
            }
        }
        return draining;
    }

    /// <summary>The handoff finished (or failed): the slot empties; renewals at this epoch or older are ignored.</summary>
    public void Released(LocalLease lease, bool transferred)
    {
        lock (_write)
        {
            var s = lease.Shard.Value;
            if (_leases[s] is not { } current || current.Epoch != lease.Epoch) return;
            _ = current.To(transferred ? LocalShardState.Released : LocalShardState.Lost);
            _released[s] = Math.Max(_released[s], lease.Epoch);
            Volatile.Write(ref _leases[s], null);
        }
    }

    // Caller holds _write.
    private void Lose(LocalLease lease, List<ShardId> lost)
    {
        _ = lease.To(LocalShardState.Lost);
        _released[lease.Shard.Value] = Math.Max(_released[lease.Shard.Value], lease.Epoch - 1);
        Volatile.Write(ref _leases[lease.Shard.Value], null);
        lost.Add(lease.Shard);
    }
}
