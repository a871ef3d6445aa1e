using System.Text.Json;

namespace Durable.Web.Tests.Samples;

public class KvStoreSpecs
{
    [Fact]
    public async Task Put_then_get_round_trips_any_json_value_including_null()
    {
        await using var kit = await SampleKit.StartAsync();

        foreach (var json in new[] { "{\"a\":[1,2,{\"b\":null}]}", "\"text\"", "42", "true", "null" })
        {
            Assert.Equal(204, (await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/k", SampleKit.Json(json))).Status);
            var (status, body) = await kit.CallAsync("kv", "s", HttpMethod.Get, "/keys/k");
            Assert.Equal(200, status);
            Assert.Equal(json, body);
        }
    }

    [Fact]
    public async Task Missing_key_is_not_found_and_delete_says_whether_it_existed()
    {
        await using var kit = await SampleKit.StartAsync();
        await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/here", SampleKit.Json("1"));

        Assert.Equal(404, (await kit.CallAsync("kv", "s", HttpMethod.Get, "/keys/absent")).Status);
        Assert.Equal((200, "{\"deleted\":true}"), await kit.CallAsync("kv", "s", HttpMethod.Delete, "/keys/here"));
        Assert.Equal((200, "{\"deleted\":false}"), await kit.CallAsync("kv", "s", HttpMethod.Delete, "/keys/here"));
    }

    [Fact]
    public async Task List_answers_an_object_in_utf8_key_order_with_every_option()
    {
        await using var kit = await SampleKit.StartAsync();
        foreach (var key in new[] { "b", "a", "ab", "c", "\uFFFF", "\U0001F600", "é" })
            await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/" + Uri.EscapeDataString(key), SampleKit.Json("1"));

        Assert.Equal(["a", "ab", "b", "c", "é", "\uFFFF", "\U0001F600"], await Keys(kit, "/keys"));
        Assert.Equal(["a", "ab"], await Keys(kit, "/keys?prefix=a"));
        Assert.Equal(["ab", "b"], await Keys(kit, "/keys?start=ab&end=c"));
        Assert.Equal(["b", "c"], await Keys(kit, "/keys?startAfter=ab&limit=2"));
        Assert.Equal(["\U0001F600", "\uFFFF"], await Keys(kit, "/keys?reverse=true&limit=2"));
    }

    [Theory]
    [InlineData("/keys?limit=0")]
    [InlineData("/keys?limit=10001")]
    [InlineData("/keys?limit=ten")]
    [InlineData("/keys?reverse=maybe")]
    [InlineData("/keys?start=a&startAfter=b")]
    public async Task Bad_list_queries_are_bad_requests(string path)
    {
        await using var kit = await SampleKit.StartAsync();

        var (status, body) = await kit.CallAsync("kv", "s", HttpMethod.Get, path);

        Assert.Equal(400, status);
        Assert.Contains("bad_request", body);
    }

    [Fact]
    public async Task Invalid_json_body_is_a_bad_request_and_writes_nothing()
    {
        await using var kit = await SampleKit.StartAsync();

        var (status, body) = await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/k", SampleKit.Json("{not json"));

        Assert.Equal(400, status);
        Assert.Contains("bad_request", body);
        Assert.Empty(await kit.ReadDurableKeysAsync(kit.IdFromName("kv", "s")));
    }

    [Fact]
    public async Task Oversized_key_and_value_get_their_own_codes()
    {
        await using var kit = await SampleKit.StartAsync();

        var key = await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/" + new string('k', 2049), SampleKit.Json("1"));
        var value = await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/v", SampleKit.Json($"\"{new string('v', 131_071)}\""));
        var fits = await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/" + new string('k', 2048), SampleKit.Json($"\"{new string('v', 131_070)}\""));

        Assert.Equal(400, key.Status);
        Assert.Contains("key_too_large", key.Body);
        Assert.Equal(413, value.Status);
        Assert.Contains("value_too_large", value.Body);
        Assert.Equal(204, fits.Status);
    }

    [Fact]
    public async Task Batch_puts_and_deletes_atomically()
    {
        await using var kit = await SampleKit.StartAsync();
        await kit.CallAsync("kv", "s", HttpMethod.Put, "/keys/old", SampleKit.Json("0"));

        var ok = await kit.CallAsync("kv", "s", HttpMethod.Post, "/batch", SampleKit.Json("{\"put\":{\"x\":1,\"y\":2},\"delete\":[\"old\"]}"));
        var tooMany = JsonSerializer.Serialize(new { put = new { z = 3 }, delete = Enumerable.Range(0, 129).Select(i => $"d{i}") });
        var refused = await kit.CallAsync("kv", "s", HttpMethod.Post, "/batch", SampleKit.Json(tooMany));

        Assert.Equal(204, ok.Status);
        Assert.Equal(400, refused.Status);
        Assert.Contains("batch_too_large", refused.Body);
        Assert.Equal(["x", "y"], await Keys(kit, "/keys"));
        var journal = await kit.ReadJournalAsync(kit.IdFromName("kv", "s"));
        Assert.Equal(2, journal.Count);
        Assert.Equal(3, journal[1].Batch.Writes.Count);
    }

    private static async Task<string[]> Keys(Durable.TestKit.DurableTestRuntime kit, string path)
    {
        var (status, body) = await kit.CallAsync("kv", "s", HttpMethod.Get, path);
        Assert.Equal(200, status);
        return JsonDocument.Parse(body).RootElement.EnumerateObject().Select(p => p.Name).ToArray();
    }
}

public sealed class KvStorePointInTimeSpecs : IDisposable
{
    // Point-in-time recovery reads the journal's history: the objects journal to a SQLite file.
    private readonly string _directory = Directory.CreateTempSubdirectory("durable-kv-pitr-").FullName;

    private string JournalPath => Path.Combine(_directory, "durable.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Restore_to_a_bookmark_brings_back_that_state_and_the_undo_bookmark_reverts_it()
    {
        await using var kit = await SampleKit.StartAsync(JournalPath);
        await kit.CallAsync("kv", "p", HttpMethod.Put, "/keys/a", SampleKit.Json("1"));
        var (_, early) = await kit.CallAsync("kv", "p", HttpMethod.Get, "/bookmark");
        kit.Clock.Advance(TimeSpan.FromSeconds(1));
        await kit.CallAsync("kv", "p", HttpMethod.Put, "/keys/a", SampleKit.Json("2"));
        await kit.CallAsync("kv", "p", HttpMethod.Put, "/keys/b", SampleKit.Json("3"));
        var earlyBookmark = JsonDocument.Parse(early).RootElement.GetProperty("bookmark").GetString()!;

        var (status, restored) = await kit.CallAsync("kv", "p", HttpMethod.Post, "/restore?bookmark=" + Uri.EscapeDataString(earlyBookmark));
        Assert.Equal(200, status);
        Assert.Equal((200, "{\"a\":1}"), await kit.CallAsync("kv", "p", HttpMethod.Get, "/keys"));

        var undo = JsonDocument.Parse(restored).RootElement.GetProperty("undo").GetString()!;
        await kit.CallAsync("kv", "p", HttpMethod.Post, "/restore?bookmark=" + Uri.EscapeDataString(undo));
        Assert.Equal((200, "{\"a\":2,\"b\":3}"), await kit.CallAsync("kv", "p", HttpMethod.Get, "/keys"));
        Assert.True(string.CompareOrdinal(earlyBookmark, undo) < 0, "bookmarks must sort by time as strings");
    }

    [Theory]
    [InlineData("/restore")]
    [InlineData("/restore?bookmark=nonsense")]
    [InlineData("/restore?bookmark=ffffffffffffffff-ffffffffffffffff")]
    public async Task Bad_bookmarks_are_bad_requests(string path)
    {
        await using var kit = await SampleKit.StartAsync(JournalPath);
        await kit.CallAsync("kv", "p", HttpMethod.Put, "/keys/a", SampleKit.Json("1"));

        var (status, body) = await kit.CallAsync("kv", "p", HttpMethod.Post, path);

        Assert.Equal(400, status);
        Assert.Contains("bad_request", body);
    }
}
