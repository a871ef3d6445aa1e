namespace Durable.Web.Observability;

/// <summary>
/// The running aggregate of one tag set. Every update is a single Interlocked operation (a CAS loop for double
/// sums), so many threads can record into the same series without a lock.
/// </summary>
internal sealed class MetricSeries
{
    // Integer measurements go to a long so Interlocked.Add stays exact and cheap; floating ones to a double.
    private long _longSum;
    private double _doubleSum;
    private readonly long[]? _buckets;
    private double _histogramSum;

    public MetricSeries(TagSet tags, int bucketCount)
    {
        Tags = tags;
        _buckets = bucketCount > 0 ? new long[bucketCount] : null;
    }

    public TagSet Tags { get; }

    public void Add(long value) => Interlocked.Add(ref _longSum, value);

    public void Add(double value) => AddDouble(ref _doubleSum, value);

    /// <summary>Last value wins; only used by gauges, which never call <see cref="Add(long)"/>.</summary>
    public void Set(double value) => Volatile.Write(ref _doubleSum, value);

    /// <summary>Counts the value in the first bucket whose upper bound is ≥ it (Prometheus' "le"), else the last.</summary>
    public void Observe(double value, double[] bounds)
    {
        var index = Array.BinarySearch(bounds, value);
        if (index < 0)
        {
            index = ~index;
        }

        // BinarySearch orders NaN before every number; a NaN belongs to no finite bucket.
        if (double.IsNaN(value))
        {
            index = bounds.Length;
        }

        Interlocked.Increment(ref _buckets![index]);
        AddDouble(ref _histogramSum, value);
    }

    public MetricPoint Snapshot(double[] bounds)
    {
        if (_buckets is null)
        {
            return new MetricPoint(Tags.Labels, Volatile.Read(ref _longSum) + Volatile.Read(ref _doubleSum));
        }

        var counts = new long[_buckets.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _buckets[i]);
        }

        return new MetricPoint(Tags.Labels, 0, new HistogramPoint(bounds, counts, Volatile.Read(ref _histogramSum)));
    }

    private static void AddDouble(ref double location, double value)
    {
        var current = Volatile.Read(ref location);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref location, current + value, current);
            // Compare bits: NaN != NaN would spin forever, and 0.0 == -0.0 would lose an update.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }
}
