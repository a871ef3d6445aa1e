namespace Durable.Web.Observability;

internal enum MetricType { Counter, Gauge, Histogram }

/// <summary>One scrape's view of a metric family: what the text writer turns into HELP, TYPE and samples.</summary>
internal sealed record MetricFamily(string Name, string Help, MetricType Type, IReadOnlyList<MetricPoint> Points);

/// <summary>
/// One series. Labels carry raw tag names and values; the writer sanitizes and escapes them.
/// For histograms <see cref="Value"/> is unused and <see cref="Histogram"/> is set.
/// </summary>
internal sealed record MetricPoint(
    IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, HistogramPoint? Histogram = null);

/// <summary>Per-bucket (not cumulative) counts: one per bound, plus a last one for values above every bound.</summary>
internal sealed record HistogramPoint(IReadOnlyList<double> Bounds, IReadOnlyList<long> BucketCounts, double Sum);
