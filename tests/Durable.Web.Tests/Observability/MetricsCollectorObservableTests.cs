using System.Diagnostics.Metrics;

namespace Durable.Web.Tests.Observability;

public sealed class MetricsCollectorObservableTests
{
    [Fact]
    public void Observable_instruments_are_read_on_each_scrape()
    {
        using var scope = new MeterScope();
        var fired = 10L;
        var active = 2;
        var queued = 1.5;
        scope.Meter.CreateObservableCounter("durable.alarms.fired", () => fired);
        scope.Meter.CreateObservableGauge("durable.activations", () => new Measurement<int>(active, new KeyValuePair<string, object?>("node", "a")));
        scope.Meter.CreateObservableUpDownCounter("durable.queue.depth", () => queued);

        var first = scope.Scrape();
        fired = 15;
        active = 7;
        queued = -0.5;
        var second = scope.Scrape();

        Assert.Equal(
            "# TYPE durable_activations gauge\ndurable_activations{node=\"a\"} 2\n" +
            "# TYPE durable_alarms_fired_total counter\ndurable_alarms_fired_total 10\n" +
            "# TYPE durable_queue_depth gauge\ndurable_queue_depth 1.5\n",
            first);
        Assert.Equal(
            "# TYPE durable_activations gauge\ndurable_activations{node=\"a\"} 7\n" +
            "# TYPE durable_alarms_fired_total counter\ndurable_alarms_fired_total 15\n" +
            "# TYPE durable_queue_depth gauge\ndurable_queue_depth -0.5\n",
            second);
    }

    [Fact]
    public void Observable_series_no_longer_reported_disappear()
    {
        using var scope = new MeterScope();
        var shards = new List<Measurement<int>>
        {
            new(1, new KeyValuePair<string, object?>("shard", "1")),
            new(1, new KeyValuePair<string, object?>("shard", "2")),
        };
        scope.Meter.CreateObservableGauge("durable.shard.owned", () => shards);
        Assert.Contains("shard=\"2\"", scope.Scrape());

        shards.RemoveAt(1);

        Assert.Equal("# TYPE durable_shard_owned gauge\ndurable_shard_owned{shard=\"1\"} 1\n", scope.Scrape());
    }

    [Fact]
    public void Observable_callback_that_throws_does_not_fail_the_scrape()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateObservableGauge<int>(
            "durable.broken", (Func<int>)(() => throw new InvalidOperationException("boom")));
        scope.Meter.CreateCounter<int>("durable.fine").Add(1);

        Assert.Equal("# TYPE durable_fine_total counter\ndurable_fine_total 1\n", scope.Scrape());
    }
}
