using System.Diagnostics.Metrics;
using Durable.Internal;

namespace Durable.Storage.Journal;

/// <summary>The journal writer's instruments, on the runtime's meter: one transaction (one fsync) per group commit.</summary>
internal sealed class JournalMetrics
{
    private readonly Counter<long> _groups;
    private readonly Histogram<int> _groupSize;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _syncDuration;

    public JournalMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(DurableMetrics.MeterName);
        _groups = meter.CreateCounter<long>("durable.storage.group_commits", "{transaction}",
            "Journal transactions committed; each holds the batches of one group commit and costs one fsync");
        _groupSize = meter.CreateHistogram("durable.storage.group_size", "{batch}", "Batches (of any objects) per group commit",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        _duration = meter.CreateHistogram("durable.storage.group_commit.duration", "s", "Time to write and commit one group (its fsync included, except on SQLite: see durable.storage.sync.duration)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.5, 2] });
        _syncDuration = meter.CreateHistogram("durable.storage.sync.duration", "s",
            "Time of one fsync of the SQLite WAL, made after commits and covering every group committed before it; a group's writes are acknowledged after it",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.5, 2] });
    }

    public void Synced(TimeSpan elapsed) => _syncDuration.Record(elapsed.TotalSeconds);

    public void Committed(int batches, TimeSpan elapsed)
    {
        _groups.Add(1);
        _groupSize.Record(batches);
        _duration.Record(elapsed.TotalSeconds);
    }
}
