using Akka.Actor;
using Akka.Persistence;
using Akka.Serialization;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>
/// A persistent actor that persists what it is told and reports every outcome to <c>probe</c>: recovery, each event
/// persisted, rejected (not serializable: the actor goes on) or failed (the journal failed: Akka stops the actor).
/// </summary>
internal sealed class TestWriter : ReceivePersistentActor
{
    /// <summary>Persists one event, or several as one atomic write.</summary>
    public sealed record Write(params object[] Events);

    public sealed record Recovered(string PersistenceId, long LastSequenceNr, IReadOnlyList<object> Events);

    public sealed record Persisted(long SequenceNr, object Event);

    public sealed record Rejected(long SequenceNr, object Event, Exception Cause);

    public sealed record Failed(long SequenceNr, object Event, Exception Cause);

    private readonly IActorRef _probe;
    private readonly List<object> _recovered = [];

    public TestWriter(string persistenceId, IActorRef probe)
    {
        PersistenceId = persistenceId;
        _probe = probe;
        Recover<RecoveryCompleted>(_ => _probe.Tell(new Recovered(PersistenceId, LastSequenceNr, _recovered.ToArray())));
        Recover<object>(e => _recovered.Add(e));
        Command<Write>(write =>
        {
            if (write.Events.Length == 1) Persist(write.Events[0], e => _probe.Tell(new Persisted(LastSequenceNr, e)));
            else PersistAll(write.Events, e => _probe.Tell(new Persisted(LastSequenceNr, e)));
        });
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, IActorRef probe) => Akka.Actor.Props.Create(() => new TestWriter(persistenceId, probe));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new Rejected(sequenceNr, @event, cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new Failed(sequenceNr, @event, cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }
}

/// <summary>An event no serializer can write: bound to <see cref="RefusingSerializer"/>.</summary>
public sealed record Unserializable(string Name);

/// <summary>Refuses to serialize anything, so a journal must reject (not fail) a write that carries an <see cref="Unserializable"/>.</summary>
internal sealed class RefusingSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public override int Identifier => 9_731;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => throw new InvalidOperationException($"{obj} is not serializable (conformance test).");

    public override object FromBinary(byte[] bytes, Type type) => throw new InvalidOperationException("Nothing was ever serialized by this serializer.");
}
