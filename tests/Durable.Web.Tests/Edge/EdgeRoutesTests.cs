using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Durable.Web.Tests.Edge;

/// <summary>Every route of the edge over real Kestrel on a loopback port.</summary>
public sealed class EdgeRoutesTests(EdgeHostFixture fixture) : IClassFixture<EdgeHostFixture>
{
    private EdgeHost Node => fixture.Host;

    [Fact]
    public async Task Name_route_reaches_the_object_with_method_path_query_headers_and_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/ns/probe/name/alice/some/deep/path?x=1&y=%C3%A9")
        {
            Content = new StringContent("héllo", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("X-Custom", "v1");
        using var response = await Node.Client.SendAsync(request);
        var answer = await Answer.ReadAsync(response);

        Assert.Equal(202, answer.Status);
        Assert.True(response.Headers.Contains("X-Probe"));
        using var seen = JsonDocument.Parse(answer.Body);
        var root = seen.RootElement;
        Assert.Equal("PUT", root.GetProperty("method").GetString());
        Assert.Equal("/some/deep/path", root.GetProperty("path").GetString());
        Assert.Equal("?x=1&y=%C3%A9", root.GetProperty("query").GetString());
        Assert.Equal("alice", root.GetProperty("name").GetString());
        Assert.Equal("héllo", root.GetProperty("body").GetString());
        Assert.Equal("v1", root.GetProperty("headers").GetProperty("x-custom").GetString());
        Assert.StartsWith("text/plain", root.GetProperty("headers").GetProperty("content-type").GetString());
        Assert.Equal("probe", answer.DurableNamespace);
        Assert.Matches("^[0-9a-f]{64}$", answer.DurableId);
    }

    [Theory]
    [InlineData("/ns/probe/name/bob")]
    [InlineData("/ns/probe/name/bob/")]
    public async Task Empty_object_path_with_or_without_slash_reaches_root(string target)
    {
        var answer = await Node.GetAsync(target);

        Assert.Equal(202, answer.Status);
        Assert.Equal("/", JsonDocument.Parse(answer.Body).RootElement.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Same_name_gives_same_id_and_name_is_decoded_once()
    {
        var plain = await Node.GetAsync("/ns/probe/name/caf%C3%A9/");
        var again = await Node.GetAsync("/ns/probe/name/caf%C3%A9");

        Assert.Equal(plain.DurableId, again.DurableId);
        Assert.Equal("café", JsonDocument.Parse(plain.Body).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Escaped_slash_in_name_and_path_is_kept_for_the_object()
    {
        var answer = await Node.GetAsync("/ns/probe/name/a%2Fb/keys/x%2Fy");

        using var seen = JsonDocument.Parse(answer.Body);
        Assert.Equal("a/b", seen.RootElement.GetProperty("name").GetString());
        Assert.Equal("/keys/x%2Fy", seen.RootElement.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Name_derived_id_is_valid_under_id_route_in_either_case()
    {
        var byName = await Node.PostAsync("/ns/counter/name/routes-by-id/increment?by=7");
        var id = byName.DurableId!;

        var lower = await Node.GetAsync($"/ns/counter/id/{id}/");
        var upper = await Node.GetAsync($"/ns/counter/id/{id.ToUpperInvariant()}");

        Assert.Equal(("7", id), (lower.Body, lower.DurableId));
        Assert.Equal(("7", id), (upper.Body, upper.DurableId));
    }

    [Fact]
    public async Task Post_ids_creates_a_unique_id_usable_under_id_route()
    {
        var first = await Node.PostAsync("/ns/counter/ids");
        var second = await Node.PostAsync("/ns/counter/ids");
        var id = JsonDocument.Parse(first.Body).RootElement.GetProperty("id").GetString()!;

        var increment = await Node.PostAsync($"/ns/counter/id/{id}/increment");

        Assert.Equal(201, first.Status);
        Assert.Equal("application/json", first.ContentType);
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.NotEqual(first.Body, second.Body);
        Assert.Equal(("1", id, "counter"), (increment.Body, increment.DurableId, increment.DurableNamespace));
    }

    [Fact]
    public async Task Get_on_ids_is_405_and_unknown_namespace_is_404()
    {
        (await Node.GetAsync("/ns/counter/ids")).AssertMethodNotAllowed("POST");
        (await Node.PostAsync("/ns/nowhere/ids")).AssertError(404, "unknown_namespace");
    }

    [Fact]
    public async Task Healthz_is_200_when_started()
    {
        var answer = await Node.GetAsync("/healthz");

        Assert.Equal((200, "ok"), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task Metrics_counts_requests_by_namespace_and_status_and_records_latency()
    {
        await Node.GetAsync("/ns/echo/name/metrics/");
        await Node.GetAsync("/ns/echo/name/metrics/missing");

        // The edge records a request after its last byte is sent, so the client may be a moment ahead of the counter;
        // other tests share this node, so wait for this test's own series.
        const string Echo200 = "durable_http_requests_total\\{namespace=\"echo\",status=\"200\"\\} [1-9]";
        const string Echo404 = "durable_http_requests_total\\{namespace=\"echo\",status=\"404\"\\} [1-9]";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage response;
        string text;
        do
        {
            response = await Node.Client.GetAsync("/metrics");
            text = await response.Content.ReadAsStringAsync();
        }
        while (!(Regex.IsMatch(text, Echo200) && Regex.IsMatch(text, Echo404)) && DateTime.UtcNow < deadline
               && await Task.Delay(20).ContinueWith(_ => true));

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(Regex.IsMatch(text, Echo200), text);
        Assert.True(Regex.IsMatch(text, Echo404), text);
        Assert.Contains("durable_http_request_duration_seconds_bucket{namespace=\"echo\",le=\"0.005\"}", text);
        Assert.Contains("durable_objects_active", text);
    }

    [Fact]
    public async Task Response_body_is_streamed_from_the_object()
    {
        using var response = await Node.Client.GetAsync("/ns/probe/name/streamer/stream", HttpCompletionOption.ResponseHeadersRead);
        var announcedLength = response.Content.Headers.ContentLength;
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1 << 20, bytes.Length);
        Assert.Null(announcedLength);
        Assert.True(response.Headers.TransferEncodingChunked);
    }

    [Fact]
    public async Task Chunked_request_body_is_streamed_to_the_object()
    {
        var content = new StreamContent(new MemoryStream(new byte[40_000]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ns/probe/name/chunks/count-body") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Node.Client.SendAsync(request);

        Assert.Equal("40000", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Head_and_delete_without_body_work()
    {
        using var head = await Node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/ns/probe/name/head/"));
        var delete = await Node.SendAsync(HttpMethod.Delete, "/ns/counter/name/head-delete/");

        Assert.Equal(HttpStatusCode.Accepted, head.StatusCode);
        Assert.Equal(204, delete.Status);
        Assert.Equal("", delete.Body);
        Assert.NotNull(delete.DurableId);
    }

    [Fact]
    public async Task Content_type_header_without_body_still_reaches_the_object()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ns/probe/name/ctype/");
        request.Content = new ByteArrayContent([]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Node.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Contains("application/json", JsonDocument.Parse(body).RootElement.GetProperty("headers").GetProperty("content-type").GetString());
    }
}
