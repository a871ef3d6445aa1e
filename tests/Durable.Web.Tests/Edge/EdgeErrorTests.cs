using System.Text;
using System.Text.Json;

namespace Durable.Web.Tests.Edge;

/// <summary>Every code of the error contract over real Kestrel: status, JSON shape and headers.</summary>
public sealed class EdgeErrorTests(EdgeHostFixture fixture) : IClassFixture<EdgeHostFixture>
{
    private EdgeHost Node => fixture.Host;

    [Fact]
    public async Task Object_exception_is_500_object_error_with_its_message_and_object_headers()
    {
        var answer = await Node.GetAsync("/ns/probe/name/thrower/throw");

        answer.AssertError(500, "object_error");
        Assert.Contains("boom from the probe", answer.Body);
        Assert.Equal("probe", answer.DurableNamespace);
        Assert.NotNull(answer.DurableId);
    }

    [Fact]
    public async Task Path_outside_every_route_is_404_not_found_in_the_json_shape()
    {
        var answer = await Node.GetAsync("/no/such/route");

        answer.AssertError(404, "not_found");
        Assert.Contains("/ns/{namespace}/name/{name}/{path}", answer.Body);
        Assert.Null(answer.DurableId);
    }

    [Fact]
    public async Task Wrong_method_on_a_node_route_is_405_method_not_allowed_in_the_json_shape()
    {
        var answer = await Node.PostAsync("/healthz");

        answer.AssertMethodNotAllowed("GET");
        Assert.Contains("allowed: GET", answer.Body);
    }

    [Theory]
    [InlineData("DELETE", "/metrics", "GET")]
    [InlineData("PUT", "/ns/counter/ids", "POST")]
    public async Task Every_405_of_the_node_carries_Allow_with_the_routes_methods(string method, string target, string allowed)
    {
        (await Node.SendAsync(new HttpMethod(method), target)).AssertMethodNotAllowed(allowed.Split(','));
    }

    [Fact]
    public async Task An_objects_own_bodiless_404_passes_unchanged()
    {
        var answer = await Node.GetAsync("/ns/probe/name/quiet/empty-404");

        Assert.Equal(404, answer.Status);
        Assert.Equal("", answer.Body);
        Assert.NotNull(answer.DurableId);
    }

    [Fact]
    public async Task Event_past_its_deadline_is_504_deadline_exceeded()
    {
        var answer = await Node.GetAsync("/ns/probe/name/sleeper/hang");

        answer.AssertError(504, "deadline_exceeded");
        Assert.NotNull(answer.DurableId);
    }

    [Fact]
    public async Task Full_object_queue_is_503_overloaded_with_retry_after()
    {
        var hung = Enumerable.Range(0, 3).Select(_ => Node.GetAsync("/ns/probe/name/crowded/hang")).ToList();
        await Task.Delay(200);

        var refused = await Node.GetAsync("/ns/probe/name/crowded/");

        refused.AssertError(503, "overloaded");
        Assert.Equal("1", refused.RetryAfter);
        Assert.NotNull(refused.DurableId);
        await Task.WhenAll(hung);
    }

    [Fact]
    public async Task Failed_commit_is_503_object_reset_with_retry_after_and_retry_succeeds()
    {
        Assert.Equal(202, (await Node.PostAsync("/ns/probe/name/resetting/put")).Status);
        fixture.Journal.FailNextAppend();

        var failed = await Node.PostAsync("/ns/probe/name/resetting/put");
        var retried = await Node.PostAsync("/ns/probe/name/resetting/put");

        failed.AssertError(503, "object_reset");
        Assert.Equal("1", failed.RetryAfter);
        Assert.Equal(202, retried.Status);
    }

    [Fact]
    public async Task Failed_first_commit_of_a_new_object_is_503_object_reset()
    {
        fixture.Journal.FailNextAppend();

        var failed = await Node.PostAsync("/ns/probe/name/first-commit-fails/put");

        failed.AssertError(503, "object_reset");
        Assert.Equal(202, (await Node.PostAsync("/ns/probe/name/first-commit-fails/put")).Status);
    }

    [Fact]
    public async Task Constructor_failure_is_500_instantiation_failed()
    {
        var answer = await Node.GetAsync("/ns/broken/name/x/");

        answer.AssertError(500, "instantiation_failed");
        Assert.Equal("broken", answer.DurableNamespace);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Bad_id_is_400_invalid_id(string id)
    {
        var answer = await Node.GetAsync($"/ns/counter/id/{id}/");

        answer.AssertError(400, "invalid_id");
        Assert.Null(answer.DurableId);
    }

    [Fact]
    public async Task Id_of_another_namespace_is_400_invalid_id()
    {
        var echo = await Node.GetAsync("/ns/echo/name/foreign/");

        var answer = await Node.GetAsync($"/ns/counter/id/{echo.DurableId}/");

        answer.AssertError(400, "invalid_id");
    }

    [Fact]
    public async Task Unknown_namespace_is_404_unknown_namespace()
    {
        (await Node.GetAsync("/ns/nowhere/name/a/")).AssertError(404, "unknown_namespace");
        (await Node.GetAsync("/ns/nowhere/id/abc/")).AssertError(404, "unknown_namespace");
    }

    [Fact]
    public async Task Storage_limits_not_caught_by_the_object_keep_their_codes()
    {
        (await Node.GetAsync("/ns/probe/name/limits/key-too-large")).AssertError(400, "key_too_large");
        (await Node.GetAsync("/ns/probe/name/limits/value-too-large")).AssertError(413, "value_too_large");
    }

    [Fact]
    public async Task Kv_sample_limits_are_key_too_large_value_too_large_and_batch_too_large()
    {
        var longKey = new string('k', 2049);
        var bigValue = JsonSerializer.Serialize(new string('v', 131_072));
        var batch = JsonSerializer.Serialize(new { delete = Enumerable.Range(0, 129).Select(i => $"k{i}") });

        (await Node.SendAsync(HttpMethod.Put, $"/ns/kv/name/limits/keys/{longKey}", Json("1"))).AssertError(400, "key_too_large");
        (await Node.SendAsync(HttpMethod.Put, "/ns/kv/name/limits/keys/big", Json(bigValue))).AssertError(413, "value_too_large");
        (await Node.PostAsync("/ns/kv/name/limits/batch", Json(batch))).AssertError(400, "batch_too_large");
    }

    [Fact]
    public async Task Declared_body_over_the_limit_is_413_before_the_object_runs()
    {
        var answer = await Node.PostAsync("/ns/probe/name/big-body/count-body", new ByteArrayContent(new byte[EdgeHostFixture.BodyLimit + 1]));

        answer.AssertError(413, "value_too_large");
        Assert.Contains("Durable:Edge:MaxRequestBodySize", answer.Body);
        Assert.NotNull(answer.DurableId);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ns/probe/name/big-chunks/count-body")
        {
            Content = new StreamContent(new MemoryStream(new byte[EdgeHostFixture.BodyLimit * 2])),
        };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Node.Client.SendAsync(request);

        (await Answer.ReadAsync(response)).AssertError(413, "value_too_large");
    }

    [Fact]
    public async Task Body_at_the_limit_is_accepted()
    {
        var answer = await Node.PostAsync("/ns/probe/name/exact-body/count-body", new ByteArrayContent(new byte[EdgeHostFixture.BodyLimit]));

        Assert.Equal((200, EdgeHostFixture.BodyLimit.ToString()), (answer.Status, answer.Body));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
