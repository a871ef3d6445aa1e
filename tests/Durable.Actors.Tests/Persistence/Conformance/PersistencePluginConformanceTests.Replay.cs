using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;

namespace Durable.Actors.Tests.Persistence.Conformance;

public abstract partial class PersistencePluginConformanceTests<TFixture>
{
    private const int LongReplayEvents = 100_000;

    [Fact]
    public Task One_hundred_thousand_events_replay_in_order() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("long");
        const int perAtomicWrite = 100, atomicWritesPerBatch = 10, perBatch = perAtomicWrite * atomicWritesPerBatch;
        var written = Stopwatch.StartNew();
        for (long first = 1; first <= LongReplayEvents; first += perBatch)
        {
            var writes = Enumerable.Range(0, atomicWritesPerBatch)
                .Select(w => Atomic(id, first + w * perAtomicWrite, first + (w + 1) * perAtomicWrite - 1)).ToArray();
            await WriteAndConfirmAsync(writes);
        }
        written.Stop();

        var replayed = Stopwatch.StartNew();
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, id, Kit.TestActor));
        long expected = 1;
        while (true)
        {
            var message = await Kit.ExpectMsgAsync<object>(Reply, $"replay of {LongReplayEvents} events after #{expected - 1}");
            if (message is RecoverySuccess success)
            {
                Assert.Equal(LongReplayEvents, success.HighestSequenceNr);
                break;
            }
            var persistent = Assert.IsType<ReplayedMessage>(message).Persistent;
            Assert.Equal(expected, persistent.SequenceNr);
            Assert.Equal($"e-{expected}", persistent.Payload);
            expected++;
        }
        Assert.Equal(LongReplayEvents + 1, expected);
        Output.WriteLine($"{Plugin.GetType().Name}: {LongReplayEvents} events written in {written.Elapsed.TotalSeconds:0.0} s, replayed in {replayed.Elapsed.TotalSeconds:0.0} s");
    });
}
