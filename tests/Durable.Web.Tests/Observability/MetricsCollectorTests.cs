using System.Diagnostics.Metrics;
using Durable.Web.Observability;

namespace Durable.Web.Tests.Observability;

public sealed class MetricsCollectorTests
{
    [Fact]
    public void Counter_is_exported_as_a_counter_with_total_suffix()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<long>("durable.requests", description: "Requests served.");
        counter.Add(3);
        counter.Add(4);

        Assert.Equal(
            "# HELP durable_requests_total Requests served.\n" +
            "# TYPE durable_requests_total counter\n" +
            "durable_requests_total 7\n",
            scope.Scrape());
    }

    [Fact]
    public void UpDownCounter_is_a_gauge_of_the_running_sum()
    {
        using var scope = new MeterScope();
        var sockets = scope.Meter.CreateUpDownCounter<int>("durable.sockets.open", unit: "{socket}");
        sockets.Add(5);
        sockets.Add(-2);

        Assert.Equal("# TYPE durable_sockets_open gauge\ndurable_sockets_open 3\n", scope.Scrape());
    }

    [Fact]
    public void Gauge_reports_the_last_value_recorded()
    {
        using var scope = new MeterScope();
        var gauge = scope.Meter.CreateGauge<double>("durable.shards.owned");
        gauge.Record(12);
        gauge.Record(9.5);

        Assert.Equal("# TYPE durable_shards_owned gauge\ndurable_shards_owned 9.5\n", scope.Scrape());
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_end_with_inf()
    {
        using var scope = new MeterScope();
        var latency = scope.Meter.CreateHistogram<double>("durable.request.duration", unit: "s", description: "Latency.");
        // Powers of two keep the sum exact; 0.25 sits on a bound, which "le" includes.
        foreach (var value in new[] { 0.00048828125, 0.00390625, 0.25, 7, 42 })
        {
            latency.Record(value);
        }

        Assert.Equal(
            "# HELP durable_request_duration_seconds Latency.\n" +
            "# TYPE durable_request_duration_seconds histogram\n" +
            "durable_request_duration_seconds_bucket{le=\"0.0005\"} 1\n" +
            "durable_request_duration_seconds_bucket{le=\"0.001\"} 1\n" +
            "durable_request_duration_seconds_bucket{le=\"0.0025\"} 1\n" +
            "durable_request_duration_seconds_bucket{le=\"0.005\"} 2\n" +
            "durable_request_duration_seconds_bucket{le=\"0.01\"} 2\n" +
            "durable_request_duration_seconds_bucket{le=\"0.025\"} 2\n" +
            "durable_request_duration_seconds_bucket{le=\"0.05\"} 2\n" +
            "durable_request_duration_seconds_bucket{le=\"0.1\"} 2\n" +
            "durable_request_duration_seconds_bucket{le=\"0.25\"} 3\n" +
            "durable_request_duration_seconds_bucket{le=\"0.5\"} 3\n" +
            "durable_request_duration_seconds_bucket{le=\"1\"} 3\n" +
            "durable_request_duration_seconds_bucket{le=\"2.5\"} 3\n" +
            "durable_request_duration_seconds_bucket{le=\"5\"} 3\n" +
            "durable_request_duration_seconds_bucket{le=\"10\"} 4\n" +
            "durable_request_duration_seconds_bucket{le=\"+Inf\"} 5\n" +
            "durable_request_duration_seconds_sum 49.25439453125\n" +
            "durable_request_duration_seconds_count 5\n",
            scope.Scrape());
    }

    [Fact]
    public void Histogram_uses_advised_bucket_boundaries_and_labels_each_series()
    {
        using var scope = new MeterScope();
        var batch = scope.Meter.CreateHistogram<int>(
            "durable.storage.batch.size", unit: "{batch}", description: null, tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100] });
        foreach (var value in new[] { 1, 5, 10, 100, 1000 })
        {
            batch.Record(value, new KeyValuePair<string, object?>("shard", 3));
        }

        Assert.Equal(
            "# TYPE durable_storage_batch_size histogram\n" +
            "durable_storage_batch_size_bucket{shard=\"3\",le=\"1\"} 1\n" +
            "durable_storage_batch_size_bucket{shard=\"3\",le=\"10\"} 3\n" +
            "durable_storage_batch_size_bucket{shard=\"3\",le=\"100\"} 4\n" +
            "durable_storage_batch_size_bucket{shard=\"3\",le=\"+Inf\"} 5\n" +
            "durable_storage_batch_size_sum{shard=\"3\"} 1116\n" +
            "durable_storage_batch_size_count{shard=\"3\"} 5\n",
            scope.Scrape());
    }

    [Fact]
    public void Histogram_without_advice_uses_the_configured_boundaries()
    {
        using var scope = new MeterScope(o => o.HistogramBoundaries = [1024, 65536]);
        var size = scope.Meter.CreateHistogram<long>("durable.storage.commit.size", unit: "By");
        size.Record(100);
        size.Record(70000);

        Assert.Equal(
            "# TYPE durable_storage_commit_size_bytes histogram\n" +
            "durable_storage_commit_size_bytes_bucket{le=\"1024\"} 1\n" +
            "durable_storage_commit_size_bytes_bucket{le=\"65536\"} 1\n" +
            "durable_storage_commit_size_bytes_bucket{le=\"+Inf\"} 2\n" +
            "durable_storage_commit_size_bytes_sum 70100\n" +
            "durable_storage_commit_size_bytes_count 2\n",
            scope.Scrape());
    }

    [Fact]
    public void Every_supported_numeric_type_is_aggregated()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<byte>("b").Add(1);
        scope.Meter.CreateCounter<short>("s").Add(2);
        scope.Meter.CreateCounter<int>("i").Add(3);
        scope.Meter.CreateCounter<long>("l").Add(4);
        scope.Meter.CreateCounter<float>("f").Add(0.5f);
        scope.Meter.CreateCounter<double>("d").Add(0.25);
        scope.Meter.CreateCounter<decimal>("m").Add(1.5m);

        Assert.Equal(
            "# TYPE b_total counter\nb_total 1\n" +
            "# TYPE d_total counter\nd_total 0.25\n" +
            "# TYPE f_total counter\nf_total 0.5\n" +
            "# TYPE i_total counter\ni_total 3\n" +
            "# TYPE l_total counter\nl_total 4\n" +
            "# TYPE m_total counter\nm_total 1.5\n" +
            "# TYPE s_total counter\ns_total 2\n",
            scope.Scrape());
    }

    [Fact]
    public void Tags_in_any_order_are_one_series()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<int>("durable.requests");
        counter.Add(1, new("method", "GET"), new("status", 200));
        counter.Add(1, new("status", 200), new("method", "GET"));

        Assert.Equal(
            "# TYPE durable_requests_total counter\ndurable_requests_total{method=\"GET\",status=\"200\"} 2\n",
            scope.Scrape());
    }

    [Fact]
    public void Instruments_created_before_the_collector_are_exported()
    {
        var prefix = "Durable.Test." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(prefix);
        var counter = meter.CreateCounter<int>("durable.early");
        using var collector = new MetricsCollector(
            new PrometheusMetricsOptions { MeterPrefix = prefix },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MetricsCollector>.Instance);
        counter.Add(2);

        Assert.Equal(
            "# TYPE durable_early_total counter\ndurable_early_total 2\n",
            PrometheusTextWriter.Write(collector.Collect()));
    }

    [Fact]
    public void Meters_outside_the_prefix_are_ignored()
    {
        using var scope = new MeterScope();
        using var other = new Meter("Other." + scope.Prefix);
        other.CreateCounter<int>("durable.outside").Add(1);
        scope.Meter.CreateCounter<int>("durable.inside").Add(1);

        Assert.Equal("# TYPE durable_inside_total counter\ndurable_inside_total 1\n", scope.Scrape());
    }

    [Fact]
    public void Disposed_meter_is_dropped_from_the_output()
    {
        using var scope = new MeterScope();
        using (var meter = new Meter(scope.Prefix + ".Transient"))
        {
            meter.CreateCounter<int>("durable.transient").Add(1);
            Assert.Contains("durable_transient_total 1\n", scope.Scrape());
        }

        scope.Meter.CreateCounter<int>("durable.lasting").Add(1);

        Assert.Equal("# TYPE durable_lasting_total counter\ndurable_lasting_total 1\n", scope.Scrape());
    }

    [Fact]
    public void Instruments_with_the_same_prometheus_name_export_one_family()
    {
        using var scope = new MeterScope();
        using var later = new Meter(scope.Prefix + ".Later");
        scope.Meter.CreateCounter<int>("durable.requests").Add(1);
        later.CreateCounter<int>("durable-requests").Add(5);

        Assert.Equal("# TYPE durable_requests_total counter\ndurable_requests_total 1\n", scope.Scrape());
    }

    [Fact]
    public void Tag_sets_past_the_series_cap_fold_into_one_overflow_series()
    {
        using var scope = new MeterScope(o => o.MaxSeriesPerInstrument = 2);
        var counter = scope.Meter.CreateCounter<int>("durable.requests");
        foreach (var id in new[] { "a", "b", "c", "d", "a" })
        {
            counter.Add(1, new KeyValuePair<string, object?>("object", id));
        }

        Assert.Equal(
            "# TYPE durable_requests_total counter\n" +
            "durable_requests_total{object=\"a\"} 2\n" +
            "durable_requests_total{object=\"b\"} 1\n" +
            "durable_requests_total{otel_metric_overflow=\"true\"} 2\n",
            scope.Scrape());
    }

    [Fact]
    public void Families_and_series_are_ordered_by_name_then_labels()
    {
        using var scope = new MeterScope();
        var zeta = scope.Meter.CreateCounter<int>("zeta");
        var alpha = scope.Meter.CreateUpDownCounter<int>("alpha");
        zeta.Add(1, new KeyValuePair<string, object?>("k", "y"));
        zeta.Add(1, new KeyValuePair<string, object?>("k", "x"));
        zeta.Add(1);
        alpha.Add(1, new("b", "1"), new("a", "2"));
        alpha.Add(1, new KeyValuePair<string, object?>("a", "1"));

        var expected =
            "# TYPE alpha gauge\nalpha{a=\"1\"} 1\nalpha{a=\"2\",b=\"1\"} 1\n" +
            "# TYPE zeta_total counter\nzeta_total 1\nzeta_total{k=\"x\"} 1\nzeta_total{k=\"y\"} 1\n";
        Assert.Equal(expected, scope.Scrape());
        Assert.Equal(expected, scope.Scrape());
    }
}
