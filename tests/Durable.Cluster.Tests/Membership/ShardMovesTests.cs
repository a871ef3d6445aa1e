using Durable.Cluster.Membership;

namespace Durable.Cluster.Tests.Membership;

public sealed class ShardMovesTests
{
    [Fact]
    public void Shards_in_the_first_count_started_with_the_node()
    {
        var moves = new ShardMoves();
        moves.Observe([("counter", "1"), ("counter", "2"), ("echo", "1")]);
        Assert.Equal((3, 0), (moves.Started, moves.HandedOff));
    }

    [Fact]
    public void Shards_that_left_between_two_counts_are_handed_off_and_those_that_came_started()
    {
        var moves = new ShardMoves();
        moves.Observe([("counter", "1"), ("counter", "2"), ("counter", "3")]);
        moves.Observe([("counter", "1"), ("counter", "4")]);
        Assert.Equal((4, 2), (moves.Started, moves.HandedOff));

        // The same shard id in another namespace is another shard.
        moves.Observe([("counter", "1"), ("counter", "4"), ("echo", "2")]);
        Assert.Equal((5, 2), (moves.Started, moves.HandedOff));
    }

    [Fact]
    public void A_node_that_leaves_hands_off_every_shard_it_held()
    {
        var moves = new ShardMoves();
        moves.Observe([("counter", "1"), ("counter", "2"), ("echo", "5")]);
        moves.Observe([]);
        Assert.Equal((3, 3), (moves.Started, moves.HandedOff));
        moves.Observe([]);
        Assert.Equal(3, moves.HandedOff);
    }
}
