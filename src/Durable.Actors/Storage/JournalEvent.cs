namespace Durable.Storage;

/// <summary>One committed batch of one object: its sequence number (1, 2, ...), its commit time and its writes.</summary>
public sealed record JournalEvent(long Seq, DateTimeOffset Time, WriteBatch Batch);
