using System.Text;
using System.Text.Json;

namespace Durable.Web.Tests.Edge;

/// <summary>The samples' contracts (DESIGN.md "Contract details") through the edge on real Kestrel.</summary>
public sealed class SampleContractsOverHttpTests(EdgeHostFixture fixture) : IClassFixture<EdgeHostFixture>
{
    private EdgeHost Node => fixture.Host;

    [Fact]
    public async Task Counter_reads_increments_by_default_and_by_n_and_deletes()
    {
        const string counter = "/ns/counter/name/contract";
        Assert.Equal("0", (await Node.GetAsync($"{counter}/")).Body);
        Assert.Equal("1", (await Node.PostAsync($"{counter}/increment")).Body);
        Assert.Equal("6", (await Node.PostAsync($"{counter}/increment?by=5")).Body);
        Assert.Equal("4", (await Node.PostAsync($"{counter}/increment?by=-2")).Body);
        Assert.Equal(("4", "text/plain"), ((await Node.GetAsync(counter)).Body, (await Node.GetAsync(counter)).ContentType));
        Assert.Equal("0", (await Node.GetAsync($"{counter}/alarms")).Body);

        var deleted = await Node.SendAsync(HttpMethod.Delete, $"{counter}/");

        Assert.Equal(204, deleted.Status);
        Assert.Equal("0", (await Node.GetAsync($"{counter}/")).Body);
    }

    [Fact]
    public async Task Counter_alarm_answers_202_with_scheduled_time_and_fires_once()
    {
        const string counter = "/ns/counter/name/alarm-contract";
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var scheduled = await Node.PostAsync($"{counter}/alarm?ms=50");

        Assert.Equal(202, scheduled.Status);
        Assert.InRange(JsonDocument.Parse(scheduled.Body).RootElement.GetProperty("scheduledTime").GetInt64(), before + 50, before + 5_000);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Node.GetAsync($"{counter}/alarms")).Body != "1" && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal("1", (await Node.GetAsync($"{counter}/alarms")).Body);
        (await Node.PostAsync($"{counter}/alarm?ms=soon")).AssertError(400, "bad_request");
    }

    [Theory]
    [InlineData("by=x")]
    [InlineData("by=1.5")]
    [InlineData("by=%FF")]
    [InlineData("by=99999999999999999999")]
    public async Task Counter_rejects_a_by_that_is_not_an_integer(string query)
    {
        (await Node.PostAsync($"/ns/counter/name/bad-by/increment?{query}")).AssertError(400, "bad_request");
    }

    [Fact]
    public async Task Counter_unknown_route_is_404_and_wrong_method_405()
    {
        (await Node.GetAsync("/ns/counter/name/routes/nope")).AssertError(404, "not_found");
        (await Node.GetAsync("/ns/counter/name/routes/increment")).AssertMethodNotAllowed("POST");
    }

    [Theory]
    [InlineData("PUT", "/ns/counter/name/allow/", "GET,DELETE")]
    [InlineData("GET", "/ns/counter/name/allow/alarm", "POST")]
    [InlineData("POST", "/ns/counter/name/allow/alarms", "GET")]
    [InlineData("POST", "/ns/kv/name/allow/keys/a", "GET,PUT,DELETE")]
    [InlineData("DELETE", "/ns/kv/name/allow/keys", "GET")]
    [InlineData("GET", "/ns/kv/name/allow/batch", "POST")]
    [InlineData("POST", "/ns/kv/name/allow/bookmark", "GET")]
    [InlineData("GET", "/ns/kv/name/allow/restore", "POST")]
    [InlineData("DELETE", "/ns/chat/name/allow/messages", "GET,POST")]
    [InlineData("POST", "/ns/echo/name/allow/", "GET")]
    public async Task A_sample_route_hit_with_a_wrong_method_is_405_with_Allow_listing_its_methods(string method, string target, string allowed)
    {
        var answer = await Node.SendAsync(new HttpMethod(method), target);

        answer.AssertMethodNotAllowed(allowed.Split(','));
        Assert.NotNull(answer.DurableId);
        Assert.Contains($"allowed: {allowed.Replace(",", ", ")}", answer.Body);
    }

    [Fact]
    public async Task Kv_puts_gets_deletes_and_lists_in_key_order()
    {
        const string kv = "/ns/kv/name/contract";
        foreach (var (key, value) in new[] { ("b", "2"), ("a", "{\"x\":1}"), ("c", "null"), ("é", "\"accent\""), ("ab", "[1]") })
            Assert.Equal(204, (await Node.SendAsync(HttpMethod.Put, $"{kv}/keys/{Uri.EscapeDataString(key)}", Json(value))).Status);

        Assert.Equal("{\"x\":1}", (await Node.GetAsync($"{kv}/keys/a")).Body);
        Assert.Equal("null", (await Node.GetAsync($"{kv}/keys/c")).Body);
        (await Node.GetAsync($"{kv}/keys/absent")).AssertError(404, "not_found");
        Assert.Equal(["a", "ab", "b", "c", "é"], await KeysAsync($"{kv}/keys"));
        Assert.Equal("{\"a\":{\"x\":1},\"ab\":[1]}", (await Node.GetAsync($"{kv}/keys?prefix=a")).Body);
        Assert.Equal(["é", "c"], await KeysAsync($"{kv}/keys?reverse=true&limit=2"));
        Assert.Equal("{\"ab\":[1],\"b\":2}", (await Node.GetAsync($"{kv}/keys?startAfter=a&end=c")).Body);
        Assert.Equal("{\"deleted\":true}", (await Node.SendAsync(HttpMethod.Delete, $"{kv}/keys/b")).Body);
        Assert.Equal("{\"deleted\":false}", (await Node.SendAsync(HttpMethod.Delete, $"{kv}/keys/b")).Body);
    }

    [Fact]
    public async Task Kv_batch_is_atomic()
    {
        const string kv = "/ns/kv/name/batch";
        await Node.SendAsync(HttpMethod.Put, $"{kv}/keys/old", Json("1"));

        var ok = await Node.PostAsync($"{kv}/batch", Json("{\"put\":{\"n1\":1,\"n2\":2},\"delete\":[\"old\"]}"));
        var tooMany = JsonSerializer.Serialize(new { put = new { n3 = 3 }, delete = Enumerable.Range(0, 129).Select(i => $"k{i}") });
        var refused = await Node.PostAsync($"{kv}/batch", Json(tooMany));

        Assert.Equal(204, ok.Status);
        refused.AssertError(400, "batch_too_large");
        Assert.Equal("{\"n1\":1,\"n2\":2}", (await Node.GetAsync($"{kv}/keys")).Body);
    }

    [Theory]
    [InlineData("{bad")]
    [InlineData("")]
    [InlineData("[1,]")]
    public async Task Kv_rejects_a_body_that_is_not_json(string body)
    {
        (await Node.SendAsync(HttpMethod.Put, "/ns/kv/name/bad-json/keys/k", Json(body))).AssertError(400, "bad_request");
    }

    [Fact]
    public async Task Kv_rejects_invalid_utf8_in_body_and_key()
    {
        var invalid = new ByteArrayContent([(byte)'"', 0xFF, 0xFE, (byte)'"']);

        (await Node.SendAsync(HttpMethod.Put, "/ns/kv/name/bad-utf8/keys/k", invalid)).AssertError(400, "bad_request");
        (await Node.SendAsync(HttpMethod.Put, "/ns/kv/name/bad-utf8/keys/%FF", Json("1"))).AssertError(400, "bad_request");
        (await Node.GetAsync("/ns/kv/name/bad-utf8/keys?prefix=%C3")).AssertError(400, "bad_request");
    }

    [Fact]
    public async Task Chat_stores_messages_and_answers_the_last_fifty_oldest_first()
    {
        const string room = "/ns/chat/name/contract/messages";
        for (var i = 0; i < 52; i++)
        {
            var posted = await Node.PostAsync(room, Json($"{{\"body\":\"m{i}\"}}"));
            Assert.Equal(201, posted.Status);
        }

        var history = JsonDocument.Parse((await Node.GetAsync(room)).Body).RootElement.GetProperty("messages");

        Assert.Equal(50, history.GetArrayLength());
        Assert.Equal("m2", history[0].GetProperty("body").GetString());
        Assert.Equal("m51", history[49].GetProperty("body").GetString());
        Assert.True(history[0].GetProperty("at").GetInt64() > 0);
    }

    [Fact]
    public async Task Chat_rejects_a_message_without_a_string_body()
    {
        (await Node.PostAsync("/ns/chat/name/bad/messages", Json("{\"body\":1}"))).AssertError(400, "bad_request");
        (await Node.PostAsync("/ns/chat/name/bad/messages", Json("nope"))).AssertError(400, "bad_request");
    }

    [Fact]
    public async Task Echo_answers_ok_without_storage()
    {
        var answer = await Node.GetAsync("/ns/echo/name/contract/");

        Assert.Equal((200, "ok", "echo"), (answer.Status, answer.Body, answer.DurableNamespace));
    }

    private async Task<string[]> KeysAsync(string target) =>
        JsonDocument.Parse((await Node.GetAsync(target)).Body).RootElement.EnumerateObject().Select(p => p.Name).ToArray();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
