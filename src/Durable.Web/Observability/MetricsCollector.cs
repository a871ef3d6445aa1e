using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Numerics;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Observability;

// Guarantees
// - Every instrument of a meter whose name starts with MeterPrefix (and, when a meter scope is given, that was
//   created by that scope, i.e. by this host's IMeterFactory), published before or after construction,
//   is aggregated from construction on. With a meter scope, the .NET runtime's own "System.Runtime" meter (collections,
//   pause time, working set, CPU time, thread pool) is exported too: it belongs to the process, not to any host. System.Diagnostics.Metrics keeps no history, so earlier measurements
//   are not seen: construct the collector at startup.
// - Recording takes no lock. The series is found by probing a concurrent dictionary with the measurement's
//   tag span (no key allocated); the update is one Interlocked operation. Only a new tag set allocates.
// - Integer Counter/UpDownCounter sums are exact (a long); floating sums are as exact as double addition.
// - A scrape reads each value at some instant during the scrape, not one global instant. A histogram's
//   _count always equals its +Inf bucket; its _sum may be one racing measurement ahead or behind.
// - Observable instruments are read during Collect; scrapes are serialized so their callbacks never overlap,
//   and a series a callback stops reporting disappears. A throwing callback is logged, not fatal to the scrape.
// - A disposed meter's instruments leave the next scrape.
// - Two instruments mapping to one Prometheus name: the first by (meter name, instrument name) is exported,
//   the others are not, because a repeated family makes Prometheus reject the whole scrape.
internal sealed partial class MetricsCollector : IDisposable
{
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregator> _aggregators = new();
    private readonly MeterListener _listener = new();
    private readonly Lock _scrapeLock = new();
    private readonly HashSet<Instrument> _reportedCollisions = []; // guarded by _scrapeLock
    private readonly string _meterPrefix;
    private readonly double[] _defaultBounds;
    private readonly int _maxSeries;
    private readonly ILogger<MetricsCollector> _logger;
    private readonly object? _meterScope;

    public MetricsCollector(PrometheusMetricsOptions options, ILogger<MetricsCollector> logger, object? meterScope = null)
    {
        _meterScope = meterScope;
        _meterPrefix = options.MeterPrefix;
        _defaultBounds = [.. options.HistogramBoundaries ?? PrometheusMetricsOptions.DefaultLatencyBoundaries];
        _maxSeries = options.MaxSeriesPerInstrument;
        _logger = logger;

        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = (instrument, _) => _aggregators.TryRemove(instrument, out var _);
        _listener.SetMeasurementEventCallback<byte>(static (_, v, tags, s) => Of(s).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, v, tags, s) => Of(s).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, v, tags, s) => Of(s).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, v, tags, s) => Of(s).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, v, tags, s) => Of(s).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, v, tags, s) => Of(s).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, s) => Of(s).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>Reads observable instruments, then returns every exported family with at least one series.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_scrapeLock)
        {
            var aggregators = _aggregators.Values
                .OrderBy(a => a.Instrument.Meter.Name, StringComparer.Ordinal)
                .ThenBy(a => a.Instrument.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var aggregator in aggregators.Where(a => a.Aggregation == Aggregation.Observed))
            {
                aggregator.Reset();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException e)
            {
                LogObservableCallbackFailed(_logger, e);
            }

            var families = new List<MetricFamily>(aggregators.Count);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var aggregator in aggregators)
            {
                var instrument = aggregator.Instrument;
                if (!names.Add(aggregator.Name))
                {
                    if (_reportedCollisions.Add(instrument))
                    {
                        LogNameCollision(_logger, aggregator.Name, instrument.Name, instrument.Meter.Name);
                    }

                    continue;
                }

                var points = aggregator.Snapshot();
                if (points.Count > 0)
                {
                    var help = instrument.Description ?? "";
                    families.Add(new MetricFamily(aggregator.Name, help, aggregator.Type, points));
                }
            }

            return families;
        }
    }

    public void Dispose() => _listener.Dispose();

    private static InstrumentAggregator Of(object? state) => (InstrumentAggregator)state!;

    /// <summary>The runtime's process-wide meter, which no host's meter factory creates.</summary>
    internal const string RuntimeMeterName = "System.Runtime";

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        var hosts = meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal)
            && (_meterScope is null || ReferenceEquals(meter.Scope, _meterScope));
        var runtime = _meterScope is not null && meter.Scope is null && meter.Name == RuntimeMeterName;
        if (!(hosts || runtime) || Classify(instrument) is not { } kind)
        {
            return;
        }

        var (type, aggregation) = kind;
        var bounds = aggregation == Aggregation.Histogram ? AdvisedBounds(instrument) ?? _defaultBounds : [];
        var name = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, type);
        var aggregator = new InstrumentAggregator(instrument, name, type, aggregation, bounds, _maxSeries);
        _aggregators[instrument] = aggregator;
        listener.EnableMeasurementEvents(instrument, aggregator);
    }

    private static (MetricType Type, Aggregation Aggregation)? Classify(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition switch
        {
            _ when definition == typeof(Counter<>) => (MetricType.Counter, Aggregation.Sum),
            _ when definition == typeof(UpDownCounter<>) => (MetricType.Gauge, Aggregation.Sum),
            _ when definition == typeof(Gauge<>) => (MetricType.Gauge, Aggregation.LastValue),
            _ when definition == typeof(Histogram<>) => (MetricType.Histogram, Aggregation.Histogram),
            _ when definition == typeof(ObservableCounter<>) => (MetricType.Counter, Aggregation.Observed),
            _ when definition == typeof(ObservableUpDownCounter<>) => (MetricType.Gauge, Aggregation.Observed),
            _ when definition == typeof(ObservableGauge<>) => (MetricType.Gauge, Aggregation.Observed),
            _ => null,
        };
    }

    private static double[]? AdvisedBounds(Instrument instrument) => instrument switch
    {
        Instrument<byte> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        Instrument<short> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        Instrument<int> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        Instrument<long> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        Instrument<float> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        Instrument<double> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        Instrument<decimal> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
        _ => null,
    };

    private static double[]? ToDoubles<T>(IReadOnlyList<T>? advised) where T : struct, INumber<T>
    {
        if (advised is null)
        {
            return null;
        }

        // +Inf is implicit in the format; advice that is otherwise unusable falls back to the defaults.
        double[] bounds = [.. advised.Select(double.CreateSaturating).Where(double.IsFinite)];
        return PrometheusMetricsOptionsValidator.BoundariesError(bounds) is null ? bounds : null;
    }
}
