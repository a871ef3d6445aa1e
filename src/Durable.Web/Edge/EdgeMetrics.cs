using System.Diagnostics;
using System.Diagnostics.Metrics;
using Durable.Internal;

namespace Durable.Web.Edge;

/// <summary>The edge's instruments on the "Durable" meter: requests by namespace and status, and their latency.</summary>
internal sealed class EdgeMetrics
{
    /// <summary>The namespace tag of requests that named no registered namespace (kept out of the tag values so
    /// garbage paths cannot grow the series without bound).</summary>
    public const string NoNamespace = "-";

    private static readonly string[] StatusText = Enumerable.Range(0, 600).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public EdgeMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(DurableMetrics.MeterName);
        _requests = meter.CreateCounter<long>("durable.http.requests", "{request}", "HTTP requests answered by the edge, by namespace and status");
        _duration = meter.CreateHistogram<double>("durable.http.request.duration", "s", "Time from routing a request to its last response byte");
    }

    public void Record(string ns, int status, long startedTimestamp)
    {
        var tags = new TagList
        {
            { "namespace", ns },
            { "status", (uint)status < StatusText.Length ? StatusText[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        _requests.Add(1, tags);
        _duration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("namespace", ns));
    }
}
