using System.Text.Json;

namespace Durable.Web.Tests.Samples;

public class ChatRoomSpecs
{
    [Fact]
    public async Task Posted_messages_come_back_oldest_first_with_their_time()
    {
        await using var kit = await SampleKit.StartAsync();

        var posted = await kit.CallAsync("chat", "room", HttpMethod.Post, "/messages", SampleKit.Json("{\"body\":\"hello\"}"));
        kit.Clock.Advance(TimeSpan.FromSeconds(1));
        await kit.CallAsync("chat", "room", HttpMethod.Post, "/messages", SampleKit.Json("{\"body\":\"world\"}"));
        var (status, body) = await kit.CallAsync("chat", "room", HttpMethod.Get, "/messages");

        Assert.Equal(201, posted.Status);
        Assert.Equal(200, status);
        var messages = JsonDocument.Parse(body).RootElement.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal(["hello", "world"], messages.Select(m => m.GetProperty("body").GetString()));
        var start = kit.Clock.GetUtcNow().AddSeconds(-1).ToUnixTimeMilliseconds();
        Assert.Equal([start, start + 1000], messages.Select(m => m.GetProperty("at").GetInt64()));
    }

    [Fact]
    public async Task History_keeps_the_last_fifty()
    {
        await using var kit = await SampleKit.StartAsync();
        for (var i = 0; i < 60; i++)
            await kit.CallAsync("chat", "big", HttpMethod.Post, "/messages", SampleKit.Json($"{{\"body\":\"m{i}\"}}"));

        var (_, body) = await kit.CallAsync("chat", "big", HttpMethod.Get, "/messages");

        var bodies = JsonDocument.Parse(body).RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()).ToArray();
        Assert.Equal(Enumerable.Range(10, 50).Select(i => $"m{i}"), bodies);
    }

    [Theory]
    [InlineData("{\"text\":\"x\"}")]
    [InlineData("{\"body\":3}")]
    [InlineData("[]")]
    [InlineData("nope")]
    public async Task Malformed_message_is_a_bad_request(string json)
    {
        await using var kit = await SampleKit.StartAsync();

        var (status, _) = await kit.CallAsync("chat", "room", HttpMethod.Post, "/messages", SampleKit.Json(json));

        Assert.Equal(400, status);
    }
}
