using System.Globalization;
using System.Net.WebSockets;
using Durable.Web.Tests.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Tests.Observability;

/// <summary>A real node's /metrics, scraped over 127.0.0.1 and read by Prometheus' own parser and linter.</summary>
public sealed class NodeMetricsTests : IAsyncLifetime
{
    private MetricsNode _node = null!;

    public async Task InitializeAsync() => _node = await MetricsNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_nodes_scrape_parses_with_gauges_as_gauges_and_holds_its_request_activation_storage_and_socket_instruments()
    {
        // A request that activates a counter and commits its write to the SQLite journal, an alarm, and an open socket.
        Assert.Equal("1", await Ok(await _node.Client.PostAsync("/ns/counter/name/scraped/increment", null)));
        await Ok(await _node.Client.PostAsync("/ns/counter/name/scraped/alarm?ms=0", null));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{_node.Address.Authority}/ns/echo/name/scraped/websocket"), CancellationToken.None);
        await socket.SendTextAsync("ping");
        Assert.Equal("ping", await socket.ReceiveTextAsync("the echo"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var answered = 1; // 200s from the counter: the increment, then each look at its alarms
        while (await Ok(await _node.Client.GetAsync("/ns/counter/name/scraped/alarms")) != "1" && DateTime.UtcNow < deadline)
        {
            answered++;
            await Task.Delay(20);
        }

        // The edge counts a request after its last byte went out, so a scrape may run a moment ahead of it.
        var counted = $"durable_http_requests_total{{namespace=\"counter\",status=\"200\"}} {answered + 1}\n";
        string text;
        do text = await _node.Client.GetStringAsync("/metrics");
        while (!text.Contains(counted, StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));
        Assert.Contains(counted, text);
        var lint = await PrometheusTools.CheckAsync(text);
        var families = await PrometheusTools.ParseAsync(text);

        // promtool exits 1 when the text does not parse, 3 when it parses with lint findings. The node's own families
        // must be clean; the runtime's and the process's gauges keep their OpenTelemetry names (thread_count, ...),
        // which the linter would have without "_count".
        Assert.True(lint.ExitCode is 0 or 3, $"promtool check metrics exited {lint.ExitCode}:\n{lint.Report}\n{text}");
        var findings = lint.Report.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(findings, finding => Assert.Matches("^(dotnet|process)_\\w+_count non-histogram and non-summary metrics should not have \"_count\" suffix$", finding));
        foreach (var gauge in new[]
        {
            "dotnet_thread_pool_queue_length", "dotnet_thread_pool_thread_count", "dotnet_process_memory_working_set_bytes",
            "durable_objects_active", "durable_events_in_flight", "durable_sockets_open", "process_memory_usage_bytes",
            "process_thread_count",
        })
        {
            Assert.True(families.TryGetValue(gauge, out var family), $"no {gauge} in\n{text}");
            Assert.Equal(("gauge", gauge), (family.Type, gauge));
        }
        foreach (var counter in new[]
        {
            "durable_http_requests", "durable_activations", "durable_storage_commits", "durable_storage_group_commits",
            "durable_alarms_fired", "durable_sockets_accepted", "durable_sockets_messages", "dotnet_gc_collections",
            "process_cpu_time_seconds",
        })
        {
            Assert.True(families.TryGetValue(counter, out var family), $"no {counter} in\n{text}");
            Assert.Equal(("counter", counter), (family.Type, counter));
        }
        foreach (var histogram in new[]
        {
            "durable_http_request_duration_seconds", "durable_storage_batch_size", "durable_storage_group_size",
            "durable_storage_group_commit_duration_seconds", "durable_alarms_lateness_seconds",
        })
        {
            Assert.True(families.TryGetValue(histogram, out var family), $"no {histogram} in\n{text}");
            Assert.Equal(("histogram", histogram), (family.Type, histogram));
            var buckets = family.Samples.Where(s => s.Name == histogram + "_bucket").ToList();
            Assert.True(buckets.Count > 2, $"{histogram} has {buckets.Count} buckets");
            Assert.Equal(Value(family, histogram + "_count"), buckets.Single(b => b.Labels["le"] == "+Inf").Value);
        }
        // Latency histograms without advice of their own get the seconds buckets, not the exporter's default.
        Assert.Equal(
            [.. MetricsServiceCollectionExtensions.LatencyBoundaries.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"],
            families["durable_http_request_duration_seconds"].Samples
                .Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels["namespace"] == "counter")
                .Select(s => s.Labels["le"]));

        Assert.True(Value(families["durable_activations"], "durable_activations_total") >= 2); // the counter and the echo
        Assert.True(Value(families["durable_storage_commits"], "durable_storage_commits_total") >= 2); // the value, the alarm
        Assert.True(Value(families["durable_storage_group_commits"], "durable_storage_group_commits_total") >= 1);
        Assert.Equal(1, Value(families["durable_alarms_fired"], "durable_alarms_fired_total"));
        Assert.Equal(1, Value(families["durable_sockets_accepted"], "durable_sockets_accepted_total"));
        Assert.Equal(1, Value(families["durable_sockets_open"], "durable_sockets_open"));
        Assert.True(Value(families["durable_objects_active"], "durable_objects_active") >= 1);
    }

    private static double Value(ParsedFamily family, string sample) =>
        Assert.Single(family.Samples, s => s.Name == sample).Value;

    private static async Task<string> Ok(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
            return body;
        }
    }

    /// <summary>A node as the program builds it, journaling to a SQLite file on disk (a fresh one, dropped with the node).</summary>
    private sealed class MetricsNode((WebApplication App, Uri Address, string? Directory) started) : TestNode(started)
    {
        public static async Task<MetricsNode> StartAsync() => new(await StartAppAsync(_ => { }, services => services.AddDurableEdge()));
    }
}
