namespace Durable.Storage.Journal;

/// <summary>A stored journal event or snapshot: its seq, its commit time (µs since the Unix epoch) and its payload.</summary>
internal readonly record struct JournalRow(long Seq, long Time, byte[] Payload);
