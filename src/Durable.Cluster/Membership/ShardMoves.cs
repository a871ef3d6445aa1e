namespace Durable.Cluster.Membership;

/// <summary>
/// The shards that started on this node and those that left it, from successive lists of the shards its regions hold.
/// Akka publishes no event for a handoff: a shard leaves a node only by a handoff (a rebalance, or the node leaving) or
/// when it stops after losing its lease (counted apart, as a lease loss); one appears when the coordinator places it
/// here, first or after it left another node. A shard that leaves and comes back between two lists is not seen.
/// </summary>
internal sealed class ShardMoves
{
    private readonly Lock _lock = new();
    private HashSet<(string Namespace, string Shard)>? _held;
    private long _started;
    private long _handedOff;

    /// <summary>Shards that started on this node: placed here first, or taken over from another (those in the first list
    /// started with the node).</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Shards that left this node: handed off to another node (or stopped after a lease loss).</summary>
    public long HandedOff => Interlocked.Read(ref _handedOff);

    /// <summary>The shards held now.</summary>
    public void Observe(IEnumerable<(string Namespace, string Shard)> held)
    {
        var now = held.ToHashSet();
        lock (_lock)
        {
            if (_held is { } before)
            {
                Interlocked.Add(ref _started, now.Count(s => !before.Contains(s)));
                Interlocked.Add(ref _handedOff, before.Count(s => !now.Contains(s)));
            }
            else
            {
                Interlocked.Add(ref _started, now.Count);
            }
            _held = now;
        }
    }
}
