using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Durable.Objects;

namespace Durable.Cluster.Membership;

/// <summary>
/// This node's view of the cluster on the akka engine, from Akka's own state: membership and reachability from
/// Akka.Cluster, shard placement from each namespace's shard region (<c>GetClusterShardingStats</c>), readiness from the
/// coordinator's list of registered regions, and the shards that came and went on this node (<see cref="ShardMoves"/>).
/// </summary>
internal sealed class ClusterView(ShardedObjects objects)
{
    private readonly Lock _seenLock = new();
    private readonly HashSet<(string Namespace, string Shard)> _seen = [];
    private int _shardsHere;
    private int _entitiesHere;

    /// <summary>Shards hosted on this node when last counted (<see cref="CountShardsHereAsync"/>).</summary>
    public int ShardsHere => Volatile.Read(ref _shardsHere);

    /// <summary>Objects running in this node's shards when last counted.</summary>
    public int EntitiesHere => Volatile.Read(ref _entitiesHere);

    /// <summary>Shards that started on and stopped from this node, from the successive counts.</summary>
    public ShardMoves Moves { get; } = new();

    /// <summary>Members by status, unreachable ones counted as "unreachable"; empty before the engine starts.</summary>
    public IReadOnlyDictionary<string, int> MembersByStatus()
    {
        if (objects.Regions.Count == 0) return new Dictionary<string, int>();
        var state = Akka.Cluster.Cluster.Get(objects.System).State;
        return state.Members.GroupBy(m => StatusOf(m, state)).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>True once this node is Up and every region of it is registered with its shard coordinator.</summary>
    public async Task<bool> IsReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!objects.IsUp || objects.Regions.Count == 0) return false;
        var self = Akka.Cluster.Cluster.Get(objects.System).SelfAddress;
        try
        {
            var answers = await Task.WhenAll(objects.Regions.Values.Select(region =>
                region.Ask<CurrentRegions>(GetCurrentRegions.Instance, timeout, cancellationToken)));
            return answers.All(a => a.Regions.Contains(self));
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    /// <summary>The members and the shards each hosts now, over every namespace's region.</summary>
    public async Task<ClusterSnapshot> SnapshotAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (objects.Regions.Count == 0) return new ClusterSnapshot("", 0, 0, 0, []);
        var cluster = Akka.Cluster.Cluster.Get(objects.System);
        var state = cluster.State;
        // Every region in parallel: each waits up to the timeout for the other nodes' regions (a dead node's never answer).
        var answers = await Task.WhenAll(objects.Regions.Select(async region =>
        {
            try
            {
                return (Namespace: region.Key, Stats: await region.Value.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + timeout, cancellationToken));
            }
            catch (AskTimeoutException)
            {
                return (Namespace: region.Key, Stats: (ClusterShardingStats?)null);
            }
        }));
        lock (_seenLock)
        {
            return Summarize(cluster.SelfAddress, [.. state.Members.Select(m => (m.Address, StatusOf(m, state)))], answers, _seen);
        }
    }

    /// <summary>
    /// The snapshot from each namespace's sharding stats. A shard a region holds but that did not answer is moving:
    /// handing off (stopping its objects) or starting (waiting for its lease); such shards count as rebalancing, and as
    /// their node's. <paramref name="seen"/> keeps every shard seen placed so far: one that no region holds now has
    /// no home (its node left or was downed, and nothing has asked for it since), and counts as unassigned.
    /// </summary>
    internal static ClusterSnapshot Summarize(Address self, IReadOnlyList<(Address Address, string Status)> members,
        IEnumerable<(string Namespace, ClusterShardingStats? Stats)> answers, ISet<(string Namespace, string Shard)> seen)
    {
        var placed = new Dictionary<Address, Dictionary<string, SortedSet<int>>>();
        var entities = new Dictionary<Address, int>();
        var rebalancing = 0;
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var here = new HashSet<(string, string)>();
        foreach (var (ns, stats) in answers)
        {
            if (stats is null) continue;
            answered.Add(ns);
            foreach (var (address, regionStats) in stats.Regions)
            {
                var shards = placed.TryGetValue(address, out var byNamespace) ? byNamespace : placed[address] = [];
                if (!shards.TryGetValue(ns, out var ids)) shards[ns] = ids = [];
                foreach (var shard in regionStats.Stats.Keys.Concat(regionStats.Failed))
                {
                    ids.Add(int.TryParse(shard, out var id) ? id : -1);
                    here.Add((ns, shard));
                }
                entities[address] = entities.GetValueOrDefault(address) + regionStats.Stats.Values.Sum();
                rebalancing += regionStats.Failed.Count;
            }
        }
        seen.UnionWith(here);
        // A namespace whose stats did not come back says nothing about its shards: none of them counts as homeless.
        var unassigned = seen.Count(s => answered.Contains(s.Namespace) && !here.Contains(s));
        var nodes = members
            .Select(m =>
            {
                var shards = placed.GetValueOrDefault(m.Address);
                return new ClusterSnapshot.Member(m.Address.HostPort(), m.Address.ToString(), m.Status,
                    shards?.Values.Sum(s => s.Count) ?? 0, entities.GetValueOrDefault(m.Address),
                    shards?.ToImmutableSortedDictionary(s => s.Key, s => (IReadOnlyList<int>)[.. s.Value], StringComparer.Ordinal)
                        ?? ImmutableSortedDictionary<string, IReadOnlyList<int>>.Empty);
            })
            .ToList();
        return new ClusterSnapshot(self.ToString(), placed.Values.Sum(p => p.Values.Sum(s => s.Count)), unassigned, rebalancing, nodes);
    }

    /// <summary>Counts the shards and objects of every region hosted on this node (for the metrics), and which shards
    /// started or stopped here since the last count.</summary>
    public async Task CountShardsHereAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (objects.Regions.Count == 0) return;
        var states = await Task.WhenAll(objects.Regions.Select(async region =>
            (Namespace: region.Key, Stats: await region.Value.Ask<ShardRegionStats>(GetShardRegionStats.Instance, timeout, cancellationToken))));
        Volatile.Write(ref _shardsHere, states.Sum(s => s.Stats.Stats.Count + s.Stats.Failed.Count));
        Volatile.Write(ref _entitiesHere, states.Sum(s => s.Stats.Stats.Values.Sum()));
        // A node that is leaving hands every shard off; that is a handoff too, so it is counted the same way.
        Moves.Observe(states.SelectMany(s => s.Stats.Stats.Keys.Concat(s.Stats.Failed).Select(shard => (s.Namespace, shard))));
    }

    private static string StatusOf(Member member, ClusterEvent.CurrentClusterState state) =>
        member.Status == MemberStatus.Up && state.Unreachable.Contains(member) ? "unreachable" : member.Status.ToString().ToLowerInvariant();
}

/// <summary>The <c>/cluster</c> answer: this node, shards placed now, shards that had a home and have none, shards
/// moving, the members.</summary>
internal sealed record ClusterSnapshot(string Self, int Shards, int Unassigned, int Rebalancing, IReadOnlyList<ClusterSnapshot.Member> Nodes)
{
    /// <summary>A member: its shards and objects, and its shard ids by namespace.</summary>
    public sealed record Member(string Id, string Address, string Status, int Shards, int Entities, IReadOnlyDictionary<string, IReadOnlyList<int>> ShardIds);
}
