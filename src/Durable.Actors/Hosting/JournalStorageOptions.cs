namespace Durable.Hosting;

/// <summary>Settings shared by the journal providers (SQLite and PostgreSQL): group commit, snapshots and history.</summary>
public abstract class JournalStorageOptions
{
    /// <summary>
    /// How long the writer waits for more batches before committing a group that is not full. Default 0: a group is
    /// whatever arrived while the previous commit was in flight (natural group commit, no added latency). At most 1 ms.
    /// </summary>
    public TimeSpan GroupCommitDelay { get; set; } = TimeSpan.Zero;

    /// <summary>At most this many events (of any objects) share one transaction. Default 1,024.</summary>
    public int MaxGroupSize { get; set; } = 1_024;

    /// <summary>An object gets a new snapshot after this many events since its last one. Default 1,000.</summary>
    public int SnapshotEveryEvents { get; set; } = 1_000;

    /// <summary>... or after this many payload bytes since its last one, whichever comes first. Default 4 MiB.</summary>
    public long SnapshotEveryBytes { get; set; } = 4L << 20;

    /// <summary>
    /// Point-in-time recovery reaches back this far; older events are compacted into a snapshot when the object's
    /// next snapshot is written. Default 30 days.
    /// </summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);
}
