namespace Durable.Cluster.Internal;

/// <summary>
/// The allocation policy, a pure function of the lease table (so its tests need no database). Akka's
/// LeastShardAllocationStrategy, adapted to leases:
/// <list type="bullet">
/// <item>A shard whose lease is free (never owned, expired, or held by a node that is not live) is granted to the live
/// node with the fewest shards (ties: lowest node id).</item>
/// <item>When the most and least loaded live nodes differ by more than one shard, shards of the most loaded node are
/// marked for handoff to the least loaded, keeping at most <c>maxHandoffs</c> handoffs in progress cluster-wide.
/// A shard counts for its handoff target while moving.</item>
/// <item>A handoff whose target is no longer live is cancelled.</item>
/// </list>
/// </summary>
internal static class ShardAllocator
{
    public sealed record Lease(ShardId Shard, NodeId? Owner, bool Live, NodeId? HandoffTo);

    public sealed record Plan(IReadOnlyList<(ShardId Shard, NodeId To)> Grants, IReadOnlyList<(ShardId Shard, NodeId To)> Handoffs,
        IReadOnlyList<ShardId> Cancelled)
    {
        public bool IsEmpty => Grants.Count == 0 && Handoffs.Count == 0 && Cancelled.Count == 0;
    }

    public static Plan Compute(IReadOnlyList<NodeId> liveNodes, IReadOnlyList<Lease> leases, int maxHandoffs)
    {
        var grants = new List<(ShardId, NodeId)>();
        var handoffs = new List<(ShardId, NodeId)>();
        var cancelled = new List<ShardId>();
        if (liveNodes.Count == 0) return new Plan(grants, handoffs, cancelled);

        var live = liveNodes.OrderBy(n => n.Value, StringComparer.Ordinal).ToList();
        var load = live.ToDictionary(n => n, _ => 0);
        var owned = live.ToDictionary(n => n, _ => new List<ShardId>());
        var moving = 0;
        var free = new List<ShardId>();
        foreach (var lease in leases)
        {
            if (!lease.Live || lease.Owner is not { } owner || !load.ContainsKey(owner))
            {
                free.Add(lease.Shard);
                continue;
            }
            if (lease.HandoffTo is { } target)
            {
                if (load.ContainsKey(target))
                {
                    load[target]++;
                    moving++;
                    continue;
                }
                cancelled.Add(lease.Shard);
            }
            load[owner]++;
            owned[owner].Add(lease.Shard);
        }

        foreach (var shard in free)
        {
            var to = LeastLoaded();
            grants.Add((shard, to));
            load[to]++;
        }

        while (moving < maxHandoffs)
        {
            var most = live.OrderByDescending(n => load[n]).ThenBy(n => n.Value, StringComparer.Ordinal).First();
            var least = LeastLoaded();
            if (load[most] - load[least] <= 1 || owned[most].Count == 0) break;
            var shard = owned[most][^1];
            owned[most].RemoveAt(owned[most].Count - 1);
            handoffs.Add((shard, least));
            load[most]--;
            load[least]++;
            moving++;
        }
        return new Plan(grants, handoffs, cancelled);

        NodeId LeastLoaded() => live.OrderBy(n => load[n]).ThenBy(n => n.Value, StringComparer.Ordinal).First();
    }
}
