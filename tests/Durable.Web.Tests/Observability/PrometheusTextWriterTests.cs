using System.Globalization;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Durable.Web.Observability;

namespace Durable.Web.Tests.Observability;

public sealed partial class PrometheusTextWriterTests
{
    [Theory]
    [InlineData("durable.requests", null, "Counter", "durable_requests_total")]
    [InlineData("durable.requests_total", null, "Counter", "durable_requests_total")]
    [InlineData("durable.request.duration", "s", "Histogram", "durable_request_duration_seconds")]
    [InlineData("durable.request.duration.seconds", "s", "Histogram", "durable_request_duration_seconds")]
    [InlineData("durable.storage.written", "By", "Counter", "durable_storage_written_bytes_total")]
    [InlineData("durable.storage.written_total", "By", "Counter", "durable_storage_written_bytes_total")]
    [InlineData("durable.batch.size", "{batch}", "Histogram", "durable_batch_size")]
    [InlineData("durable.gc-pause", "ms", "Gauge", "durable_gc_pause_milliseconds")]
    [InlineData("9lives/sec é", null, "Gauge", "_9lives_sec__")]
    [InlineData("ns:name", null, "Gauge", "ns:name")]
    public void Metric_names_are_sanitized_and_take_unit_and_type_suffixes(
        string instrument, string? unit, string type, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(instrument, unit, Enum.Parse<MetricType>(type)));

    [Theory]
    [InlineData("http.method", "http_method")]
    [InlineData("ns:key", "ns_key")]
    [InlineData("1st", "_1st")]
    [InlineData("", "_")]
    public void Label_names_are_sanitized(string tag, string expected) =>
        Assert.Equal(expected, PrometheusNaming.SanitizeLabelName(tag));

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e21, "1E+21")]
    [InlineData(123456789012.0, "123456789012")]
    public void Values_are_spelled_as_prometheus_parses_them(double value, string expected)
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal(expected, PrometheusTextWriter.FormatDouble(value));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void Help_and_label_values_are_escaped()
    {
        var family = new MetricFamily(
            "durable_errors_total", "Errors at C:\\data\nper \"object\".", MetricType.Counter,
            [new MetricPoint([KeyValuePair.Create("message", "say \"hi\"\\\nbye"), KeyValuePair.Create("a.b", "x")], 1)]);

        Assert.Equal(
            "# HELP durable_errors_total Errors at C:\\\\data\\nper \"object\".\n" +
            "# TYPE durable_errors_total counter\n" +
            "durable_errors_total{a_b=\"x\",message=\"say \\\"hi\\\"\\\\\\nbye\"} 1\n",
            PrometheusTextWriter.Write([family]));
    }

    [Fact]
    public void Tags_become_labels_with_invariant_values()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<int>("durable.requests").Add(
            1, new("ok", true), new("ratio", 0.5), new("path", "/a\"b"), new("none", null));

        Assert.Equal(
            "# TYPE durable_requests_total counter\n" +
            "durable_requests_total{none=\"\",ok=\"true\",path=\"/a\\\"b\",ratio=\"0.5\"} 1\n",
            scope.Scrape());
    }

    [Fact]
    public void Every_line_of_a_scrape_matches_the_text_format_grammar()
    {
        using var scope = new MeterScope();
        var meter = scope.Meter;
        meter.CreateCounter<long>("durable.requests", description: "Requests\\served\nby route.")
            .Add(3, new("route", "/objects/{id}"), new("weird key!", "a\"\\\n"));
        meter.CreateUpDownCounter<int>("durable.sockets").Add(-4);
        meter.CreateGauge<double>("durable.ratio").Record(double.NaN);
        meter.CreateGauge<double>("durable.limit").Record(double.PositiveInfinity);
        meter.CreateHistogram<double>("durable.latency", unit: "s").Record(0.003, new KeyValuePair<string, object?>("op", "get"));
        meter.CreateHistogram<long>("durable.payload", unit: "By", description: null, tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [64, 1024] }).Record(100);
        meter.CreateObservableGauge("1.strange-name", () => 1e-7);

        var text = scope.Scrape();

        Assert.EndsWith("\n", text);
        var typed = new HashSet<string>();
        string? family = null;
        foreach (var line in text[..^1].Split('\n'))
        {
            if (HelpLine().Match(line) is { Success: true } help)
            {
                Assert.True(family != help.Groups["name"].Value || !typed.Contains(family), $"HELP after TYPE: {line}");
                family = help.Groups["name"].Value;
            }
            else if (TypeLine().Match(line) is { Success: true } type)
            {
                family = type.Groups["name"].Value;
                Assert.True(typed.Add(family), $"Second TYPE for {family}");
            }
            else
            {
                var sample = SampleLine().Match(line);
                Assert.True(sample.Success, $"Not a valid sample line: {line}");
                var name = sample.Groups["name"].Value;
                Assert.True(family is not null && (name == family || name.StartsWith(family + "_")), $"Sample outside its family: {line}");
            }
        }

        Assert.Equal(7, typed.Count);
    }

    private const string Name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private const string Label = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private const string Value = @"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)";

    [GeneratedRegex($"^# HELP (?<name>{Name}) (?:[^\\\\\\n]|\\\\[\\\\n])*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex($"^# TYPE (?<name>{Name}) (?:counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex($"^(?<name>{Name})(?:\\{{{Label}(?:,{Label})*\\}})? {Value}$")]
    private static partial Regex SampleLine();
}
