using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Durable.Objects;

namespace Durable.Cluster.Membership;

/// <summary>
/// This node's view of the cluster on the akka engine, from Akka's own state: membership and reachability from
/// Akka.Cluster, shard placement from each namespace's shard region (<c>GetClusterShardingStats</c>), readiness from the
/// coordinator's list of registered regions.
/// </summary>
internal sealed class ClusterView(ShardedObjects objects)
{
    private int _shardsHere;

    /// <summary>Shards hosted on this node when last counted (<see cref="CountShardsHereAsync"/>).</summary>
    public int ShardsHere => Volatile.Read(ref _shardsHere);

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

    /// <summary>The members and the shards each hosts now, summed over every namespace's region.</summary>
    public async Task<ClusterSnapshot> SnapshotAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (objects.Regions.Count == 0) return new ClusterSnapshot("", 0, 0, []);
        var cluster = Akka.Cluster.Cluster.Get(objects.System);
        var state = cluster.State;
        // Every region in parallel: each waits up to the timeout for the other nodes' regions (a dead node's never answer).
        var answers = await Task.WhenAll(objects.Regions.Values.Select(async region =>
        {
            try
            {
                return await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + timeout, cancellationToken);
            }
            catch (AskTimeoutException)
            {
                return null;
            }
        }));
        var shards = new Dictionary<Address, int>();
        var unanswered = 0;
        foreach (var stats in answers.OfType<ClusterShardingStats>())
        {
            foreach (var (address, regionStats) in stats.Regions)
            {
                shards[address] = shards.GetValueOrDefault(address) + regionStats.Stats.Count;
                unanswered += regionStats.Failed.Count;
            }
        }
        var nodes = state.Members
            .Select(m => new ClusterSnapshot.Member(m.Address.HostPort(), m.Address.ToString(), StatusOf(m, state), shards.GetValueOrDefault(m.Address)))
            .ToList();
        return new ClusterSnapshot(cluster.SelfAddress.ToString(), shards.Values.Sum(), unanswered, nodes);
    }

    /// <summary>Counts the shards of every region hosted on this node (for the metrics).</summary>
    public async Task CountShardsHereAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (objects.Regions.Count == 0) return;
        var states = await Task.WhenAll(objects.Regions.Values.Select(region =>
            region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, timeout, cancellationToken)));
        Volatile.Write(ref _shardsHere, states.Sum(s => s.Shards.Count));
    }

    private static string StatusOf(Member member, ClusterEvent.CurrentClusterState state) =>
        member.Status == MemberStatus.Up && state.Unreachable.Contains(member) ? "unreachable" : member.Status.ToString().ToLowerInvariant();
}

/// <summary>The <c>/cluster</c> answer: this node, shards allocated now, shards whose region did not answer, the members.</summary>
internal sealed record ClusterSnapshot(string Self, int Shards, int Unanswered, IReadOnlyList<ClusterSnapshot.Member> Nodes)
{
    public sealed record Member(string Id, string Address, string Status, int Shards);
}
