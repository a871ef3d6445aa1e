using Durable.Cluster.Internal;

namespace Durable.Cluster.Tests.Internal;

public sealed class ShardAllocatorTests
{
    private static readonly NodeId A = new("a"), B = new("b"), C = new("c");

    private static List<ShardAllocator.Lease> Leases(int count, Func<int, NodeId?> owner, Func<int, NodeId?>? handoff = null) =>
        Enumerable.Range(0, count).Select(i => new ShardAllocator.Lease(new ShardId(i), owner(i), owner(i) is not null, handoff?.Invoke(i))).ToList();

    [Fact]
    public void Free_shards_go_to_the_least_loaded_nodes_evenly()
    {
        var plan = ShardAllocator.Compute([A, B, C], Leases(30, _ => null), maxHandoffs: 10);
        Assert.Equal(30, plan.Grants.Count);
        Assert.All(plan.Grants.GroupBy(g => g.To), g => Assert.Equal(10, g.Count()));
        Assert.Empty(plan.Handoffs);
    }

    [Fact]
    public void A_joining_node_gets_handoffs_up_to_the_limit()
    {
        var plan = ShardAllocator.Compute([A, B, C], Leases(30, i => i % 2 == 0 ? A : B), maxHandoffs: 4);
        Assert.Empty(plan.Grants);
        Assert.Equal(4, plan.Handoffs.Count);
        Assert.All(plan.Handoffs, h => Assert.Equal(C, h.To));
    }

    [Fact]
    public void Handoffs_in_progress_count_toward_the_limit_and_the_target()
    {
        var leases = Leases(30, i => i < 15 ? A : B, i => i < 3 ? C : null);
        var plan = ShardAllocator.Compute([A, B, C], leases, maxHandoffs: 5);
        Assert.Equal(2, plan.Handoffs.Count);
        var balanced = ShardAllocator.Compute([A, B, C], Leases(30, i => i < 10 ? A : i < 20 ? B : C), maxHandoffs: 5);
        Assert.True(balanced.IsEmpty);
    }

    [Fact]
    public void Shards_of_a_dead_node_are_granted_and_handoffs_to_it_cancelled()
    {
        var leases = Leases(10, i => i < 5 ? A : B, i => i == 0 ? C : null);
        leases[7] = leases[7] with { Live = false };
        var plan = ShardAllocator.Compute([A, B], leases, maxHandoffs: 5);
        Assert.Equal([new ShardId(0)], plan.Cancelled);
        Assert.Equal((new ShardId(7), B), Assert.Single(plan.Grants));
    }

    [Fact]
    public void A_balanced_cluster_within_one_shard_is_left_alone()
    {
        var plan = ShardAllocator.Compute([A, B], Leases(11, i => i < 6 ? A : B), maxHandoffs: 5);
        Assert.True(plan.IsEmpty);
    }
}
