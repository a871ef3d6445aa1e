using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Durable.Web.Observability;

internal enum Aggregation
{
    /// <summary>Counter and UpDownCounter: measurements are deltas.</summary>
    Sum,

    /// <summary>Gauge: the last measurement of each series.</summary>
    LastValue,

    /// <summary>Observable instruments: the values reported by the latest scrape's callbacks, nothing older.</summary>
    Observed,

    Histogram,
}

/// <summary>The series of one instrument, keyed by tag set, plus how its measurements combine.</summary>
internal sealed class InstrumentAggregator
{
    private const string OverflowLabel = "otel.metric.overflow";

    private readonly ConcurrentDictionary<TagSet, MetricSeries> _series = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, MetricSeries>
        .AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
    private readonly int _maxSeries;
    private readonly int _bucketCount;
    private readonly double[] _bounds;
    private MetricSeries? _untagged;
    private MetricSeries? _overflow;
    private int _seriesCount;

    public InstrumentAggregator(
        Instrument instrument, string name, MetricType type, Aggregation aggregation, double[] bounds, int maxSeries)
    {
        Instrument = instrument;
        Name = name;
        Type = type;
        Aggregation = aggregation;
        _bounds = bounds;
        _bucketCount = aggregation == Aggregation.Histogram ? bounds.Length + 1 : 0;
        _maxSeries = maxSeries;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
    }

    public Instrument Instrument { get; }

    public string Name { get; }

    public MetricType Type { get; }

    public Aggregation Aggregation { get; }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Aggregation == Aggregation.Sum)
        {
            GetSeries(tags).Add(value);
        }
        else
        {
            Record((double)value, tags);
        }
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = GetSeries(tags);
        switch (Aggregation)
        {
            case Aggregation.Sum: series.Add(value); break;
            case Aggregation.Histogram: series.Observe(value, _bounds); break;
            default: series.Set(value); break;
        }
    }

    /// <summary>Forgets every series; the collector calls it, under its scrape lock, before observing again.</summary>
    public void Reset()
    {
        _series.Clear();
        Volatile.Write(ref _untagged, null);
        Volatile.Write(ref _overflow, null);
        Volatile.Write(ref _seriesCount, 0);
    }

    public IReadOnlyList<MetricPoint> Snapshot()
    {
        var points = new List<MetricPoint>(Volatile.Read(ref _seriesCount) + 2);
        foreach (var series in new[] { Volatile.Read(ref _untagged), Volatile.Read(ref _overflow) })
        {
            if (series is not null)
            {
                points.Add(series.Snapshot(_bounds));
            }
        }

        foreach (var series in _series.Values)
        {
            points.Add(series.Snapshot(_bounds));
        }

        return points;
    }

    private MetricSeries GetSeries(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Volatile.Read(ref _untagged) ?? CreateOnce(ref _untagged, TagSet.Empty);
        }

        return _lookup.TryGetValue(tags, out var series) ? series : AddSeries(tags);
    }

    private MetricSeries AddSeries(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A tag with unbounded values (an object id, say) must not grow memory and the scrape without limit:
        // past the cap (approximate: racing first measurements may pass it), new tag sets share one series.
        if (Volatile.Read(ref _seriesCount) >= _maxSeries)
        {
            return Volatile.Read(ref _overflow) ?? CreateOnce(ref _overflow, new TagSet([new(OverflowLabel, "true")]));
        }

        var created = new MetricSeries(TagSetComparer.Instance.Create(tags), _bucketCount);
        var actual = _series.GetOrAdd(created.Tags, created);
        if (ReferenceEquals(actual, created))
        {
            Interlocked.Increment(ref _seriesCount);
        }

        return actual;
    }

    private MetricSeries CreateOnce(ref MetricSeries? field, TagSet tags)
    {
        var created = new MetricSeries(tags, _bucketCount);
        return Interlocked.CompareExchange(ref field, created, null) ?? created;
    }
}
