using Akka.Persistence.Query;
using Akka.Streams.Dsl;
using Durable.Storage;

namespace Durable.Objects;

internal sealed partial class ObjectActor
{
    // Point-in-time recovery reads the object's own journal through the plugin's read journal. Events are never
    // deleted (snapshots only shorten recovery), so a fold from event 1 reaches any position.

    private async Task<JournalPosition> FindPositionAsync(DateTimeOffset? time)
    {
        if (time is not { } at) return new JournalPosition(LastSequenceNr, _lastCommit);
        var engine = _runtime.Objects!;
        var found = JournalPosition.Start;
        await Events(engine, LastSequenceNr).RunForeach(envelope =>
        {
            if (envelope.Event is BatchCommitted committed && committed.At <= at)
                found = new JournalPosition(envelope.SequenceNr, committed.At);
        }, engine.Materializer);
        return found;
    }

    private async Task<ObjectData> LoadHistoryAsync(long seq)
    {
        var engine = _runtime.Objects!;
        var data = new ObjectData(ObjectKey.For(Id));
        if (seq == 0) return data;
        await Events(engine, seq).RunForeach(envelope =>
        {
            if (envelope.Event is not BatchCommitted committed)
                throw new InvalidDataException($"Object {Id}: journal event {envelope.SequenceNr} is a {envelope.Event?.GetType().Name}, not a batch.");
            data.Apply(new JournalEvent(envelope.SequenceNr, committed.At, committed.Batch));
        }, engine.Materializer);
        if (data.Seq != seq)
            throw new PointInTimeUnavailableException($"Object {Id}: the journal holds events up to seq {data.Seq}, not {seq}.");
        return data;
    }

    private Source<EventEnvelope, Akka.NotUsed> Events(ShardedObjects engine, long upTo) =>
        (engine.ReadJournal ?? throw new PointInTimeUnavailableException(
            $"Object {Id}: the journal plugin in use has no read journal, so its history cannot be read."))
        .CurrentEventsByPersistenceId(PersistenceId, 1, upTo);
}
