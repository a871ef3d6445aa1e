using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;

namespace Durable.Actors.Tests.Persistence.Conformance;

public abstract partial class PersistencePluginConformanceTests<TFixture>
{
    [Fact]
    public Task An_atomic_write_of_several_events_is_stored_whole_beside_other_writes_of_the_batch() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("atomic");
        await WriteAndConfirmAsync(Atomic(id, 1, 3), Atomic(id, 4, 4), Atomic(id, 5, 9));
        Assert.Equal(Range(1, 9), await ReplayedSequenceNrsAsync(id));
    });

    [Fact]
    public Task An_atomic_write_with_an_unserializable_event_is_rejected_whole_and_the_rest_of_the_batch_is_stored() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("atomic-rejected");
        var poisoned = new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(
            Event(id, 3, "e-3"), Event(id, 4, new Unserializable("middle")), Event(id, 5, "e-5")));
        SendWrites(Atomic(id, 1, 2), poisoned);
        await Kit.ExpectMsgAsync<WriteMessagesSuccessful>(Reply, "the batch with a rejected write");
        Assert.Equal(1, (await Kit.ExpectMsgAsync<WriteMessageSuccess>(Reply)).Persistent.SequenceNr);
        Assert.Equal(2, (await Kit.ExpectMsgAsync<WriteMessageSuccess>(Reply)).Persistent.SequenceNr);
        foreach (var n in Range(3, 5))
            Assert.Equal(n, (await Kit.ExpectMsgAsync<WriteMessageRejected>(Reply, $"rejection of #{n}")).Persistent.SequenceNr);
        Assert.Equal(Range(1, 2), await ReplayedSequenceNrsAsync(id));

        await WriteAsync(id, 3, 3);
        Assert.Equal(Range(1, 3), await ReplayedSequenceNrsAsync(id));
    });

    [Fact]
    public Task An_atomic_write_the_store_fails_answers_WriteMessageFailure_and_stores_none_of_its_events() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("atomic-failed");
        await WriteAsync(id, 1, 2);
        await WriteAndConfirmAsync(Atomic(id, 5, 5, writerGuid: "writer-ahead"));

        // #5 exists, so the store must refuse this write at its last event, and with it #3 and #4.
        SendWrites(Atomic(id, 3, 5));
        await Kit.ExpectMsgAsync<WriteMessagesFailed>(Reply, "the batch the store failed");
        foreach (var n in Range(3, 5))
            Assert.Equal(n, (await Kit.ExpectMsgAsync<WriteMessageFailure>(Reply, $"failure of #{n}")).Persistent.SequenceNr);
        var (events, highest) = await ReplayAsync(id);
        Assert.Equal([1L, 2L, 5L], events.Select(e => e.SequenceNr));
        Assert.Equal([(object)"e-1", "e-2", "e-5"], events.Select(e => e.Payload));
        Assert.Equal(5, highest);
    });

    [Fact]
    public Task A_persistent_actor_whose_event_is_rejected_goes_on_and_recovers_only_what_was_stored() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("actor-rejected");
        var writer = Sys.ActorOf(TestWriter.Props(id, Kit.TestActor));
        await Kit.ExpectMsgAsync<TestWriter.Recovered>(Reply);
        writer.Tell(new TestWriter.Write("before"));
        await Kit.ExpectMsgAsync<TestWriter.Persisted>(Reply, "before");
        writer.Tell(new TestWriter.Write(new Unserializable("poison")));
        var rejected = await Kit.ExpectMsgAsync<TestWriter.Rejected>(Reply, "the rejection of the unserializable event");
        Assert.IsType<Unserializable>(rejected.Event);
        writer.Tell(new TestWriter.Write("after"));
        Assert.Equal("after", (await Kit.ExpectMsgAsync<TestWriter.Persisted>(Reply, "a write after the rejection")).Event);

        Kit.Watch(writer);
        writer.Tell(PoisonPill.Instance);
        await Kit.ExpectTerminatedAsync(writer, Reply);
        Sys.ActorOf(TestWriter.Props(id, Kit.TestActor));
        Assert.Equal(["before", "after"], (await Kit.ExpectMsgAsync<TestWriter.Recovered>(Reply, "recovery after the restart")).Events);
    });

    [Fact]
    public Task A_second_writer_of_one_persistence_id_fails_at_a_taken_sequence_number_and_stores_nothing() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("two-writers");
        var first = Sys.ActorOf(TestWriter.Props(id, Kit.TestActor), "first");
        Assert.Equal(0, (await Kit.ExpectMsgAsync<TestWriter.Recovered>(Reply, "first recovered")).LastSequenceNr);
        var second = Sys.ActorOf(TestWriter.Props(id, Kit.TestActor), "second");
        Assert.Equal(0, (await Kit.ExpectMsgAsync<TestWriter.Recovered>(Reply, "second recovered")).LastSequenceNr);

        first.Tell(new TestWriter.Write("a-1"));
        first.Tell(new TestWriter.Write("a-2"));
        Assert.Equal(1, (await Kit.ExpectMsgAsync<TestWriter.Persisted>(Reply, "first's #1")).SequenceNr);
        Assert.Equal(2, (await Kit.ExpectMsgAsync<TestWriter.Persisted>(Reply, "first's #2")).SequenceNr);

        // The second still believes the id is empty: its atomic #1..#3 collides at #1 and #2.
        Kit.Watch(second);
        second.Tell(new TestWriter.Write("b-1", "b-2", "b-3"));
        var failed = await Kit.ExpectMsgAsync<TestWriter.Failed>(Reply, "the second writer's failure");
        Assert.Equal("b-1", failed.Event);
        // Akka stops a writer whose write failed; a failure report for a later event of the group may come first.
        for (var message = await Kit.ExpectMsgAsync<object>(Reply, "the second writer's stop"); message is not Terminated;
             message = await Kit.ExpectMsgAsync<object>(Reply, "the second writer's stop"))
            Assert.IsType<TestWriter.Failed>(message);

        var (events, highest) = await ReplayAsync(id);
        Assert.Equal([(object)"a-1", "a-2"], events.Select(e => e.Payload));
        Assert.Equal(2, highest);

        first.Tell(new TestWriter.Write("a-3"));
        Assert.Equal(3, (await Kit.ExpectMsgAsync<TestWriter.Persisted>(Reply, "first's #3 after the collision")).SequenceNr);
    });
}
