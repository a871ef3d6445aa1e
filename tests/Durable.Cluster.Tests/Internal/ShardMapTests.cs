using Durable.Cluster.Internal;

namespace Durable.Cluster.Tests.Internal;

public sealed class ShardMapTests
{
    private static readonly NodeId A = new("a"), B = new("b"), C = new("c");

    private static ShardMap Map(int shards, Func<int, NodeId?> owner, Func<int, NodeId?>? handoff = null, params NodeId[] up) => new(
        [.. Enumerable.Range(0, shards).Select(i => new ShardMap.Owner(owner(i), 1, owner(i) is not null, handoff?.Invoke(i)))],
        [.. new[] { A, B, C }.Select(n => new ShardMap.Member(n, $"http://{n.Value}", DateTimeOffset.UnixEpoch, up.Contains(n)))],
        1);

    [Fact]
    public void An_even_spread_with_nothing_moving_is_balanced()
    {
        Assert.True(Map(31, i => (i % 3) switch { 0 => A, 1 => B, _ => C }, up: [A, B, C]).Balanced);
        Assert.True(Map(30, i => i < 15 ? A : B, up: [A, B]).Balanced);
    }

    [Fact]
    public void A_map_read_between_two_allocation_rounds_is_not_balanced_though_nothing_is_moving()
    {
        // C joined; one round moved 4 shards to it and finished, the next round is not planned yet.
        var map = Map(30, i => i < 4 ? C : i % 2 == 0 ? A : B, up: [A, B, C]);
        Assert.Equal(0, map.Rebalancing);
        Assert.Equal(0, map.Unassigned);
        Assert.False(map.Balanced);
    }

    [Fact]
    public void Unassigned_or_moving_shards_are_not_balanced()
    {
        Assert.False(Map(30, i => i == 0 ? null : i % 3 == 0 ? A : i % 3 == 1 ? B : C, up: [A, B, C]).Balanced);
        Assert.False(Map(30, i => (i % 3) switch { 0 => A, 1 => B, _ => C }, i => i == 0 ? B : null, up: [A, B, C]).Balanced);
    }

    [Fact]
    public void Nodes_that_are_down_do_not_count_toward_the_spread()
    {
        Assert.True(Map(30, i => i < 15 ? A : B, up: [A, B]).Balanced);
        Assert.False(Map(30, i => i < 15 ? A : B, up: [A, B, C]).Balanced);
    }
}
