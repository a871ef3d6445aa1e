using Akka.Actor;
using Akka.Persistence;

namespace Durable.Actors.Tests.Persistence;

/// <summary>A persistent counter for the plugin tests: <see cref="Add"/> persists one event per amount (all in one
/// AtomicWrite) and answers the new total once durable; <see cref="Snap"/> saves a snapshot; <see cref="Get"/> answers
/// the total and the last sequence number.</summary>
internal sealed class CounterActor : ReceivePersistentActor
{
    public sealed record Add(params int[] Amounts);

    public sealed record Get;

    public sealed record Snap;

    public sealed record State(long Total, long LastSequenceNr);

    private long _total;

    public CounterActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<SnapshotOffer>(offer => _total = (long)offer.Snapshot);
        Recover<int>(amount => _total += amount);
        Command<Add>(add =>
        {
            var replyTo = Sender;
            var left = add.Amounts.Length;
            PersistAll(add.Amounts, amount =>
            {
                _total += amount;
                if (--left == 0) replyTo.Tell(new State(_total, LastSequenceNr));
            });
        });
        Command<Snap>(_ =>
        {
            SaveSnapshot(_total);
            Sender.Tell(new State(_total, LastSequenceNr));
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<Get>(_ => Sender.Tell(new State(_total, LastSequenceNr)));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new CounterActor(persistenceId));
}
