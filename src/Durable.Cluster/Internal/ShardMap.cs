using System.Collections.Immutable;

namespace Durable.Cluster.Internal;

/// <summary>Who owns each shard, as last read from PostgreSQL: an immutable snapshot, swapped whole. Only a hint for
/// routing: the owner decides for itself whether it serves a shard (its lease), and the journal's fence decides commits.</summary>
internal sealed record ShardMap(ImmutableArray<ShardMap.Owner> Owners, ImmutableArray<ShardMap.Member> Nodes, long Version)
{
    public static readonly ShardMap Empty = new([], [], 0);

    public sealed record Owner(NodeId? Node, long Epoch, bool Live, NodeId? HandoffTo);

    public sealed record Member(NodeId Id, string Url, DateTimeOffset LastHeartbeat, bool Up);

    public int Unassigned => Owners.Count(o => !o.Live);

    public int Rebalancing => Owners.Count(o => o.Live && o.HandoffTo is not null);

    public int ShardsOf(NodeId node) => Owners.Count(o => o.Live && o.Node == node);

    /// <summary>
    /// Every shard owned, none moving, and the up nodes' shard counts at most one apart: the state the allocator leaves
    /// alone. <see cref="Rebalancing"/> alone can read 0 between two allocation rounds while a join is still being
    /// spread (each round moves at most <c>MaxSimultaneousHandoffs</c> shards).
    /// </summary>
    public bool Balanced
    {
        get
        {
            if (Unassigned > 0 || Rebalancing > 0) return false;
            int? most = null, least = null;
            foreach (var member in Nodes)
            {
                if (!member.Up) continue;
                var count = ShardsOf(member.Id);
                most = Math.Max(most ?? count, count);
                least = Math.Min(least ?? count, count);
            }
            return most - least <= 1;
        }
    }

    /// <summary>The live owner of <paramref name="shard"/> and its URL, or null while the shard is unassigned.</summary>
    public (NodeId Node, string Url)? OwnerOf(ShardId shard)
    {
        if (shard.Value >= Owners.Length || Owners[shard.Value] is not { Live: true, Node: { } node }) return null;
        foreach (var member in Nodes)
            if (member.Id == node) return (node, member.Url);
        return null;
    }
}
