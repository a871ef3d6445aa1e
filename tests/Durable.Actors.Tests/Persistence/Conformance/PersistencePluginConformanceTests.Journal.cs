namespace Durable.Actors.Tests.Persistence.Conformance;

public abstract partial class PersistencePluginConformanceTests<TFixture>
{
    [Fact]
    public Task Written_events_replay_in_order_with_their_payloads() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("replay");
        await WriteAsync(id, 1, 5);
        var (events, highest) = await ReplayAsync(id);
        Assert.Equal(Range(1, 5), events.Select(e => e.SequenceNr));
        Assert.Equal(Range(1, 5).Select(n => (object)$"e-{n}"), events.Select(e => e.Payload));
        Assert.Equal(5, highest);
    });

    [Fact]
    public Task Replay_keeps_to_the_from_to_and_max_bounds() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("bounds");
        await WriteAsync(id, 1, 5);
        Assert.Equal(Range(3, 5), await ReplayedSequenceNrsAsync(id, from: 3));
        Assert.Equal(Range(1, 3), await ReplayedSequenceNrsAsync(id, to: 3));
        Assert.Equal(Range(2, 4), await ReplayedSequenceNrsAsync(id, from: 2, to: 4));
        Assert.Equal(Range(1, 3), await ReplayedSequenceNrsAsync(id, max: 3));
        Assert.Equal(Range(2, 3), await ReplayedSequenceNrsAsync(id, from: 2, to: 4, max: 2));
        Assert.Equal(new long[] { 3 }, await ReplayedSequenceNrsAsync(id, from: 3, to: 3));
        Assert.Empty(await ReplayedSequenceNrsAsync(id, max: 0));
        Assert.Empty(await ReplayedSequenceNrsAsync(id, from: 4, to: 3));
        Assert.Empty(await ReplayedSequenceNrsAsync(id, from: 6));
    });

    [Fact]
    public Task Replay_of_an_unknown_persistence_id_is_empty_with_highest_sequence_number_zero() => ConformAsync(async () =>
    {
        var (events, highest) = await ReplayAsync(NewPersistenceId("unknown"));
        Assert.Empty(events);
        Assert.Equal(0, highest);
    });

    [Fact]
    public Task Highest_sequence_number_is_the_last_one_written() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("highest");
        await WriteAsync(id, 1, 3);
        Assert.Equal(3, await HighestSequenceNrAsync(id));
        await WriteAsync(id, 4, 7);
        Assert.Equal(7, await HighestSequenceNrAsync(id));
        Assert.Equal(7, (await ReplayAsync(id, from: 2, to: 3)).Highest);
    });

    [Fact]
    public Task Highest_sequence_number_stays_after_deleting_every_event_and_the_next_write_continues_after_it() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("delete-all");
        await WriteAsync(id, 1, 4);
        await DeleteToAsync(id, 4);
        var (events, highest) = await ReplayAsync(id);
        Assert.Empty(events);
        Assert.Equal(4, highest);

        await WriteAsync(id, 5, 6);
        (events, highest) = await ReplayAsync(id);
        Assert.Equal(Range(5, 6), events.Select(e => e.SequenceNr));
        Assert.Equal(6, highest);
    });

    [Fact]
    public Task DeleteMessagesTo_removes_the_prefix_and_keeps_the_rest() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("delete-part");
        await WriteAsync(id, 1, 5);
        await DeleteToAsync(id, 3);
        Assert.Equal(Range(4, 5), await ReplayedSequenceNrsAsync(id));
        Assert.Equal(5, await HighestSequenceNrAsync(id));
        await DeleteToAsync(id, 2);
        Assert.Equal(Range(4, 5), await ReplayedSequenceNrsAsync(id));
    });

    [Fact]
    public Task DeleteMessagesTo_beyond_the_highest_removes_every_event_and_keeps_the_highest() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("delete-beyond");
        await WriteAsync(id, 1, 3);
        await DeleteToAsync(id, long.MaxValue);
        var (events, highest) = await ReplayAsync(id);
        Assert.Empty(events);
        Assert.Equal(3, highest);
        await WriteAsync(id, 4, 4);
        Assert.Equal(new long[] { 4 }, await ReplayedSequenceNrsAsync(id));
    });

    [Fact]
    public Task DeleteMessagesTo_touches_no_other_persistence_id() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("delete-mine");
        var other = NewPersistenceId("delete-other");
        await WriteAsync(id, 1, 3);
        await WriteAsync(other, 1, 3);
        await DeleteToAsync(id, 3);
        Assert.Equal(Range(1, 3), await ReplayedSequenceNrsAsync(other));
    });
}
