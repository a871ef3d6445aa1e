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

    /// <summary>The live owner of <paramref name="shard"/> and its URL, or null while the shard is unassigned.</summary>
    public (NodeId Node, string Url)? OwnerOf(ShardId shard)
    {
        if (shard.Value >= Owners.Length || Owners[shard.Value] is not { Live: true, Node: { } node }) return null;
        foreach (var member in Nodes)
            if (member.Id == node) return (node, member.Url);
        return null;
    }
}
