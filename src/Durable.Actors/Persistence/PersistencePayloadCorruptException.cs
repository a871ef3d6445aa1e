namespace Durable.Persistence;

/// <summary>A stored event or snapshot whose payload does not decode: recovery stops rather than skip it.</summary>
public sealed class PersistencePayloadCorruptException(string persistenceId, long sequenceNr, string problem)
    : Exception($"Persistence id {persistenceId}: the payload at sequence number {sequenceNr} is corrupt: {problem}.")
{
    public string PersistenceId { get; } = persistenceId;

    public long SequenceNr { get; } = sequenceNr;
}
