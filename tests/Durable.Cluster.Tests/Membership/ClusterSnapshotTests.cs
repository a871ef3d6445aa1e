using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Durable.Cluster.Membership;

namespace Durable.Cluster.Tests.Membership;

/// <summary>/cluster's counts from Akka's sharding statistics (<see cref="ClusterView.Summarize"/>).</summary>
public sealed class ClusterSnapshotTests
{
    private static readonly Address A = new("akka.tcp", "durable", "127.0.0.1", 4001);
    private static readonly Address B = new("akka.tcp", "durable", "127.0.0.1", 4002);
    private static readonly (Address, string)[] Members = [(A, "up"), (B, "up")];

    private static ShardRegionStats Region(IEnumerable<(string Shard, int Entities)> answered, params string[] failed) =>
        new(answered.ToImmutableDictionary(s => s.Shard, s => s.Entities), failed.ToImmutableHashSet());

    private static ClusterShardingStats Stats(params (Address Address, ShardRegionStats Region)[] regions) =>
        new(regions.ToImmutableDictionary(r => r.Address, r => r.Region));

    [Fact]
    public void Shards_a_region_holds_but_that_did_not_answer_count_as_rebalancing_and_as_their_nodes()
    {
        var counter = Stats((A, Region([("1", 3), ("2", 0)], "7")), (B, Region([("4", 5)], "9", "11")));

        var snapshot = ClusterView.Summarize(A, Members, [("counter", counter)], new HashSet<(string, string)>());

        Assert.Equal(3, snapshot.Rebalancing);
        Assert.Equal(6, snapshot.Shards);
        Assert.Equal(0, snapshot.Unassigned);
        var a = snapshot.Nodes.Single(n => n.Address == A.ToString());
        var b = snapshot.Nodes.Single(n => n.Address == B.ToString());
        Assert.Equal((3, 3), (a.Shards, a.Entities));
        Assert.Equal([1, 2, 7], a.ShardIds["counter"]);
        Assert.Equal((3, 5), (b.Shards, b.Entities));
        Assert.Equal([4, 9, 11], b.ShardIds["counter"]);
    }

    [Fact]
    public void Shards_of_several_namespaces_are_listed_by_namespace_and_summed_per_node()
    {
        var counter = Stats((A, Region([("1", 1)])), (B, Region([("1", 0)])));
        var echo = Stats((A, Region([("1", 2), ("3", 1)])), (B, Region([])));

        var snapshot = ClusterView.Summarize(A, Members, [("counter", counter), ("echo", echo)], new HashSet<(string, string)>());

        var a = snapshot.Nodes.Single(n => n.Address == A.ToString());
        Assert.Equal((3, 4), (a.Shards, a.Entities));
        Assert.Equal([1], a.ShardIds["counter"]);
        Assert.Equal([1, 3], a.ShardIds["echo"]);
        var b = snapshot.Nodes.Single(n => n.Address == B.ToString());
        Assert.Equal([1], b.ShardIds["counter"]);
        Assert.Empty(b.ShardIds["echo"]);
        Assert.Equal(0, snapshot.Rebalancing);
    }

    [Fact]
    public void A_shard_seen_placed_that_no_region_holds_any_more_is_unassigned_until_it_is_placed_again()
    {
        var seen = new HashSet<(string, string)>();
        ClusterView.Summarize(A, Members, [("counter", Stats((A, Region([("1", 1)])), (B, Region([("2", 1)]))))], seen);

        // B's region is gone (its node was downed): shard 2 has no home.
        var after = ClusterView.Summarize(A, [(A, "up")], [("counter", Stats((A, Region([("1", 1)]))))], seen);
        Assert.Equal(1, after.Unassigned);

        // Stats that did not come back say nothing about the namespace's shards.
        Assert.Equal(0, ClusterView.Summarize(A, [(A, "up")], [("counter", null)], seen).Unassigned);

        var placedAgain = ClusterView.Summarize(A, [(A, "up")], [("counter", Stats((A, Region([("1", 1)], "2"))))], seen);
        Assert.Equal((0, 1), (placedAgain.Unassigned, placedAgain.Rebalancing));
    }

    [Fact]
    public void A_member_without_a_region_in_the_stats_lists_no_shards()
    {
        var snapshot = ClusterView.Summarize(A, Members, [("counter", Stats((A, Region([("1", 1)]))))], new HashSet<(string, string)>());

        var b = snapshot.Nodes.Single(n => n.Address == B.ToString());
        Assert.Equal((0, 0), (b.Shards, b.Entities));
        Assert.Empty(b.ShardIds);
        Assert.Equal(A.ToString(), snapshot.Self);
    }
}
