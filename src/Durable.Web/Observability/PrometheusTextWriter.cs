using System.Globalization;
using System.Text;

namespace Durable.Web.Observability;

/// <summary>
/// Writes metric families in the Prometheus text exposition format, version 0.0.4: families ordered by name,
/// series by their rendered labels, one HELP/TYPE pair per family, lines ending in '\n'.
/// </summary>
internal static class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder();
        Write(text, families);
        return text.ToString();
    }

    public static void Write(StringBuilder text, IEnumerable<MetricFamily> families)
    {
        foreach (var family in families.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            WriteFamily(text, family);
        }
    }

    private static void WriteFamily(StringBuilder text, MetricFamily family)
    {
        if (family.Help.Length > 0)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ');
            AppendEscaped(text, family.Help, escapeQuote: false);
            text.Append('\n');
        }

        text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');

        var series = family.Points
            .Select(p => (Labels: RenderLabels(p.Labels), Point: p))
            .OrderBy(s => s.Labels, StringComparer.Ordinal);
        foreach (var (labels, point) in series)
        {
            if (point.Histogram is { } histogram)
            {
                WriteHistogram(text, family.Name, labels, histogram);
            }
            else
            {
                AppendSample(text, family.Name, labels, extraLabel: null, FormatDouble(point.Value));
            }
        }
    }

    private static void WriteHistogram(StringBuilder text, string name, string labels, HistogramPoint histogram)
    {
        var bucket = name + "_bucket";
        long cumulative = 0;
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += histogram.BucketCounts[i];
            AppendSample(text, bucket, labels, "le=\"" + FormatDouble(histogram.Bounds[i]) + "\"", Format(cumulative));
        }

        // _count is the +Inf bucket by construction, so the two can never disagree within a scrape.
        cumulative += histogram.BucketCounts[histogram.Bounds.Count];
        AppendSample(text, bucket, labels, "le=\"+Inf\"", Format(cumulative));
        AppendSample(text, name + "_sum", labels, extraLabel: null, FormatDouble(histogram.Sum));
        AppendSample(text, name + "_count", labels, extraLabel: null, Format(cumulative));
    }

    private static void AppendSample(StringBuilder text, string name, string labels, string? extraLabel, string value)
    {
        text.Append(name);
        if (labels.Length > 0 || extraLabel is not null)
        {
            text.Append('{').Append(labels);
            if (extraLabel is not null)
            {
                text.Append(labels.Length > 0 ? "," : "").Append(extraLabel);
            }

            text.Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }

    /// <summary>Renders `a="x",b="y"` sorted by sanitized name; a name repeated after sanitizing keeps the first.</summary>
    private static string RenderLabels(IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        if (labels.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder();
        string? previous = null;
        foreach (var (name, value) in labels
                     .Select(l => (Name: PrometheusNaming.SanitizeLabelName(l.Key), l.Value))
                     .OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            if (name == previous)
            {
                continue;
            }

            text.Append(previous is null ? "" : ",").Append(name).Append("=\"");
            AppendEscaped(text, value, escapeQuote: true);
            text.Append('"');
            previous = name;
        }

        return text.ToString();
    }

    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuote)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\n': text.Append(@"\n"); break;
                case '"' when escapeQuote: text.Append("\\\""); break;
                default: text.Append(c); break;
            }
        }
    }

    public static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown metric type."),
    };
}
