using System.Text.Json;
using Durable.Storage;

namespace Durable.Actors.Tests.Storage;

/// <summary>
/// The storage contract every provider keeps, driven through the real runtime (activations, gates, cache) and checked
/// again after recovery from a fresh runtime and provider. Subclasses supply providers over one backing store.
/// </summary>
public abstract class StorageConformanceTests : IAsyncLifetime
{
    private readonly List<TestRuntime> _runtimes = [];

    /// <summary>A new, unopened provider over this test's backing store (what a restarted node would open).</summary>
    protected abstract IDurableStorageProvider NewProvider();

    protected string Name { get; } = "obj-" + Guid.NewGuid().ToString("n")[..12];

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var runtime in _runtimes) await runtime.DisposeAsync();
    }

    protected async Task<TestRuntime> StartAsync(IDurableStorageProvider? provider = null)
    {
        var runtime = await TestRuntime.StartAsync(provider ?? NewProvider());
        _runtimes.Add(runtime);
        return runtime;
    }

    /// <summary>Stops <paramref name="runtime"/> and starts a fresh one (new provider instance): a node restart.</summary>
    protected async Task<TestRuntime> RestartAsync(TestRuntime runtime)
    {
        _runtimes.Remove(runtime);
        await runtime.DisposeAsync();
        return await StartAsync();
    }

    private static async Task<Dictionary<string, object?>> ListAsync(TestRuntime node, string name, ListOptions? options = null) =>
        await node.RunAsync(name, async s => (await s.ListAsync<object>(options)).ToDictionary());

    // ---- get / put / delete ----

    [Fact]
    public async Task A_put_value_is_read_back_before_and_after_a_restart()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync("greeting", new { text = "hello", n = 3 }));
        Assert.Equal("hello", (await node.RunAsync(Name, s => s.GetAsync<JsonElement>("greeting").AsTask())).GetProperty("text").GetString());

        node = await RestartAsync(node);
        var value = await node.RunAsync(Name, s => s.GetAsync<JsonElement>("greeting").AsTask());
        Assert.Equal(3, value.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_missing_key_reads_as_default_and_json_null_is_a_stored_value()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync<string?>("null", null));
        node = await RestartAsync(node);
        var (missing, nullValue, listed) = await node.RunAsync(Name, async s =>
            (await s.GetAsync<string>("absent"), await s.GetAsync<string>("null"), await s.ListAsync<string>()));
        Assert.Null(missing);
        Assert.Null(nullValue);
        Assert.Equal(["null"], listed.Keys);
    }

    [Fact]
    public async Task Bytes_and_json_values_keep_their_kind_across_recovery()
    {
        var node = await StartAsync();
        byte[] blob = [0, 1, 2, 255, 254];
        await node.RunAsync(Name, async s =>
        {
            await s.PutAsync("bytes", blob);
            await s.PutAsync("number", 42);
        });
        node = await RestartAsync(node);
        Assert.Equal(blob, await node.RunAsync(Name, s => s.GetAsync<byte[]>("bytes").AsTask()));
        Assert.Equal(42, await node.RunAsync(Name, s => s.GetAsync<int>("number").AsTask()));
    }

    [Fact]
    public async Task Get_many_returns_only_existing_keys_in_key_order()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync(new Dictionary<string, int> { ["b"] = 2, ["a"] = 1, ["c"] = 3 }));
        node = await RestartAsync(node);
        var values = await node.RunAsync(Name, s => s.GetAsync<int>(["c", "zz", "a"]).AsTask());
        Assert.Equal(["a", "c"], values.Keys);
        Assert.Equal([1, 3], values.Values);
    }

    [Fact]
    public async Task Delete_says_whether_a_key_existed_and_delete_many_counts_and_both_persist()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3, ["d"] = 4 }));
        var (existed, missing, count) = await node.RunAsync(Name, async s =>
            (await s.DeleteAsync("a"), await s.DeleteAsync("zz"), await s.DeleteAsync(["b", "c", "nope"])));
        Assert.True(existed);
        Assert.False(missing);
        Assert.Equal(2, count);
        node = await RestartAsync(node);
        Assert.Equal(["d"], (await ListAsync(node, Name)).Keys);
    }

    [Fact]
    public async Task Delete_all_clears_every_key_and_persists()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }));
        await node.RunAsync(Name, async s =>
        {
            await s.DeleteAllAsync();
            await s.PutAsync("after", 1);
        });
        node = await RestartAsync(node);
        Assert.Equal(["after"], (await ListAsync(node, Name)).Keys);
    }

    // ---- ordering and list options ----

    private static readonly string[] OrderedKeys =
    [
        "", "A", "a", "a\u0000", "ab", "b", "z", "\u007F", "\u0080", "é", "\u07FF", "\u0800", "\uD7FF", "\uE000",
        "\uFFFD", "\uFFFF", "\U00010000", "\U0001F600", "\U0010FFFF",
    ];

    [Fact]
    public async Task Keys_list_in_utf8_byte_order_including_unicode_edges_before_and_after_recovery()
    {
        var node = await StartAsync();
        var shuffled = OrderedKeys.OrderBy(k => k.GetHashCode()).ToArray();
        await node.RunAsync(Name, async s => await s.PutAsync(shuffled.Select(k => KeyValuePair.Create(k, k))));
        Assert.Equal(OrderedKeys, (await ListAsync(node, Name)).Keys);
        node = await RestartAsync(node);
        Assert.Equal(OrderedKeys, (await ListAsync(node, Name)).Keys);
        Assert.True(
            string.CompareOrdinal("\uFFFF", "\U0001F600") > 0,
            "UTF-16 order puts the emoji first; UTF-8 order (which we use) puts U+FFFF first.");
    }

    public static TheoryData<string, ListOptions, string[]> ListCases() => new()
    {
        { "all", new ListOptions(), ["a", "ab", "abc", "b", "ba", "c"] },
        { "start inclusive", new ListOptions { Start = "ab" }, ["ab", "abc", "b", "ba", "c"] },
        { "start after exclusive", new ListOptions { StartAfter = "ab" }, ["abc", "b", "ba", "c"] },
        { "end exclusive", new ListOptions { End = "b" }, ["a", "ab", "abc"] },
        { "start and end", new ListOptions { Start = "ab", End = "ba" }, ["ab", "abc", "b"] },
        { "prefix", new ListOptions { Prefix = "ab" }, ["ab", "abc"] },
        { "prefix with no match", new ListOptions { Prefix = "x" }, [] },
        { "prefix and start after", new ListOptions { Prefix = "a", StartAfter = "ab" }, ["abc"] },
        { "reverse", new ListOptions { Reverse = true }, ["c", "ba", "b", "abc", "ab", "a"] },
        { "reverse with limit", new ListOptions { Reverse = true, Limit = 2 }, ["c", "ba"] },
        { "reverse range", new ListOptions { Start = "ab", End = "ba", Reverse = true }, ["b", "abc", "ab"] },
        { "limit", new ListOptions { Limit = 2 }, ["a", "ab"] },
        { "prefix reverse limit", new ListOptions { Prefix = "a", Reverse = true, Limit = 1 }, ["abc"] },
        { "empty range", new ListOptions { Start = "c", End = "a" }, [] },
    };

    [Theory]
    [MemberData(nameof(ListCases))]
    public async Task List_options_select_the_right_range_after_recovery(string description, ListOptions options, string[] expected)
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync(new[] { "c", "ba", "b", "abc", "ab", "a" }.Select(k => KeyValuePair.Create(k, 1))));
        node = await RestartAsync(node);
        Assert.True(expected.SequenceEqual((await ListAsync(node, Name, options)).Keys), description);
    }

    // ---- limits ----

    [Fact]
    public async Task Calls_over_the_limits_throw_typed_errors_and_write_nothing()
    {
        var node = await StartAsync();
        var tooLongKey = new string('k', StorageLimits.MaxKeyBytes + 1);
        var fourByteKey = string.Concat(Enumerable.Repeat("\U0001F600", StorageLimits.MaxKeyBytes / 4 + 1));
        var bigValue = new byte[StorageLimits.MaxValueBytes + 1];
        var tooMany = Enumerable.Range(0, StorageLimits.MaxKeysPerCall + 1).Select(i => KeyValuePair.Create($"k{i}", i));

        Assert.IsType<KeyTooLargeException>((await node.FailAsync(Name, async s =>
            await s.PutAsync(new Dictionary<string, int> { ["ok"] = 1, [tooLongKey] = 2 }))).InnerException);
        Assert.IsType<KeyTooLargeException>((await node.FailAsync(Name, async s => await s.PutAsync(fourByteKey, 1))).InnerException);
        Assert.IsType<ValueTooLargeException>((await node.FailAsync(Name, async s =>
            await s.PutAsync(new Dictionary<string, byte[]> { ["ok"] = [1], ["big"] = bigValue }))).InnerException);
        Assert.IsType<BatchTooLargeException>((await node.FailAsync(Name, async s => await s.PutAsync(tooMany))).InnerException);
        Assert.IsType<BatchTooLargeException>((await node.FailAsync(Name, async s =>
            await s.GetAsync<int>(tooMany.Select(p => p.Key)))).InnerException);

        // Exactly at the limits is fine.
        await node.RunAsync(Name, async s =>
        {
            await s.PutAsync(new string('k', StorageLimits.MaxKeyBytes), new byte[StorageLimits.MaxValueBytes]);
            await s.PutAsync(tooMany.Take(StorageLimits.MaxKeysPerCall));
        });
        node = await RestartAsync(node);
        var keys = (await ListAsync(node, Name, new ListOptions { Prefix = "ok" })).Keys;
        Assert.Empty(keys);
        Assert.Equal(StorageLimits.MaxKeysPerCall + 1, (await ListAsync(node, Name)).Count);
    }

    // ---- transactions ----

    [Fact]
    public async Task A_transaction_that_throws_rolls_back_and_one_that_returns_commits()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync("balance", 10));
        var error = await node.FailAsync(Name, async s => await s.TransactionAsync(async tx =>
        {
            await tx.PutAsync("balance", 0);
            await tx.PutAsync("audit", "x");
            await tx.DeleteAsync("balance");
            throw new InvalidOperationException("insufficient funds");
        }));
        Assert.Contains("insufficient funds", error.Message);
        await node.RunAsync(Name, async s => await s.TransactionAsync(async tx =>
        {
            await tx.PutAsync("balance", 99);
            tx.Rollback();
        }));
        await node.RunAsync(Name, async s => await s.TransactionAsync(async tx =>
        {
            await tx.PutAsync("balance", (await tx.GetAsync<int>("balance")) + 5);
        }));
        node = await RestartAsync(node);
        Assert.Equal(new Dictionary<string, string?> { ["balance"] = "15" },
            await node.RunAsync(Name, async s => (await s.ListAsync<JsonElement>()).ToDictionary(p => p.Key, p => (string?)p.Value.ToString())));
    }

    // ---- recovery, conflicts ----

    [Fact]
    public async Task Many_turns_on_many_objects_all_recover_after_a_restart()
    {
        var node = await StartAsync();
        var names = Enumerable.Range(0, 20).Select(i => $"{Name}-{i}").ToArray();
        await Task.WhenAll(names.Select(async name =>
        {
            for (var i = 0; i < 25; i++) await node.RunAsync(name, async s => await s.PutAsync($"k{i:000}", i));
        }));
        node = await RestartAsync(node);
        foreach (var name in names)
        {
            var listed = await node.RunAsync(name, s => s.ListAsync<int>().AsTask());
            Assert.Equal(Enumerable.Range(0, 25), listed.Values);
        }
    }

    [Fact]
    public async Task Two_runtimes_on_one_store_cannot_both_commit_and_nothing_is_lost_or_duplicated()
    {
        var first = await StartAsync();
        var second = await StartAsync();
        await first.RunAsync(Name, async s => await s.PutAsync("a", 1));
        // Both activations now hold the object at seq 1.
        Assert.Equal(1, await second.RunAsync(Name, s => s.GetAsync<int>("a").AsTask()));
        await first.RunAsync(Name, async s => await s.PutAsync("from", "first"));

        var error = await second.FailAsync(Name, async s => await s.PutAsync("from", "second"));
        Assert.IsType<DurableObjectResetException>(error);
        Assert.IsType<StorageConflictException>(error.InnerException);

        // The loser reset; its next activation recovers the winner's write and can commit after it.
        Assert.Equal("first", await second.RunAsync(Name, s => s.GetAsync<string>("from").AsTask()));
        await second.RunAsync(Name, async s => await s.PutAsync("b", 2));

        var state = await second.Provider.LoadAsync(second.KeyOf(Name), CancellationToken.None);
        Assert.Equal(3, state.Seq);
        Assert.Equal(["a", "b", "from"], state.Entries.Entries().Select(e => e.Key));
    }

    [Fact]
    public async Task An_append_at_a_taken_seq_is_a_conflict_at_the_provider()
    {
        var provider = NewProvider();
        await using var node = await TestRuntime.StartAsync(provider);
        var key = node.KeyOf(Name);
        var batch = new WriteBatch();
        batch.Put("k", new StoredValue(StoredValueKind.Json, "1"u8.ToArray()));
        await provider.AppendAsync(key, new JournalEvent(1, DateTimeOffset.UtcNow, batch), CancellationToken.None);
        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() =>
            provider.AppendAsync(key, new JournalEvent(1, DateTimeOffset.UtcNow, batch), CancellationToken.None));
        Assert.Equal(key, conflict.Key);
        Assert.Equal(1, conflict.Seq);
        Assert.Equal(1, (await provider.LoadAsync(key, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task Alarm_changes_ride_in_the_journal_and_delete_all_clears_the_alarm()
    {
        var provider = NewProvider();
        await using var node = await TestRuntime.StartAsync(provider);
        var key = node.KeyOf(Name);
        var at = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero).AddTicks(9);
        var set = new WriteBatch();
        set.SetAlarm(at);
        await provider.AppendAsync(key, new JournalEvent(1, DateTimeOffset.UtcNow, set), CancellationToken.None);
        Assert.Equal(at, (await provider.LoadAsync(key, CancellationToken.None)).Alarm);
        var clear = new WriteBatch();
        clear.Clear();
        await provider.AppendAsync(key, new JournalEvent(2, DateTimeOffset.UtcNow, clear), CancellationToken.None);
        Assert.Null((await provider.LoadAsync(key, CancellationToken.None)).Alarm);
    }

    [Fact]
    public async Task The_id_secret_is_created_once_and_shared()
    {
        var first = NewProvider();
        await first.OpenAsync(CancellationToken.None);
        var secret = await first.GetOrCreateSecretAsync("s-" + Name, () => [1, 2, 3], CancellationToken.None);
        var second = NewProvider();
        await second.OpenAsync(CancellationToken.None);
        Assert.Equal(secret, await second.GetOrCreateSecretAsync("s-" + Name, () => [9, 9, 9], CancellationToken.None));
        Assert.Equal([1, 2, 3], secret);
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    // ---- point-in-time recovery ----

    [Fact]
    public async Task Restoring_a_bookmark_returns_to_that_state_and_its_undo_bookmark_reverts_it()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }));
        var early = await node.RunAsync(Name, s => s.GetCurrentBookmarkAsync());
        await node.RunAsync(Name, async s =>
        {
            await s.PutAsync("a", 100);
            await s.DeleteAsync("b");
            await s.PutAsync("c", 3);
        });
        var late = await node.RunAsync(Name, s => s.GetCurrentBookmarkAsync());
        Assert.True(string.CompareOrdinal(early, late) < 0, $"{early} should sort before {late}");

        var undo = await node.RunAsync(Name, s => s.OnNextSessionRestoreBookmarkAsync(early));
        Assert.Equal(late, undo);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }, await node.RunAsync(Name, async s => (await s.ListAsync<int>()).ToDictionary()));

        node = await RestartAsync(node);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }, await node.RunAsync(Name, async s => (await s.ListAsync<int>()).ToDictionary()));
        await node.RunAsync(Name, s => s.OnNextSessionRestoreBookmarkAsync(undo));
        node = await RestartAsync(node);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 100, ["c"] = 3 }, await node.RunAsync(Name, async s => (await s.ListAsync<int>()).ToDictionary()));
    }

    [Fact]
    public async Task A_bookmark_for_a_time_gives_the_state_committed_by_then()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync("v", 1));
        await Task.Delay(20);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        await node.RunAsync(Name, async s => await s.PutAsync("v", 2));
        var bookmark = await node.RunAsync(Name, s => s.GetBookmarkForTimeAsync(between));
        var beforeAll = await node.RunAsync(Name, s => s.GetBookmarkForTimeAsync(between.AddDays(-1)));
        await node.RunAsync(Name, s => s.OnNextSessionRestoreBookmarkAsync(bookmark));
        Assert.Equal(1, await node.RunAsync(Name, s => s.GetAsync<int>("v").AsTask()));
        await node.RunAsync(Name, s => s.OnNextSessionRestoreBookmarkAsync(beforeAll));
        Assert.Empty(await node.RunAsync(Name, s => s.ListAsync<int>().AsTask()));
    }

    [Fact]
    public async Task Bookmarks_older_than_retention_malformed_or_in_the_future_are_refused_clearly()
    {
        var node = await StartAsync();
        await node.RunAsync(Name, async s => await s.PutAsync("v", 1));
        var old = await node.FailAsync(Name, s => s.GetBookmarkForTimeAsync(DateTimeOffset.UtcNow.AddDays(-31)));
        Assert.IsType<PointInTimeUnavailableException>(old.InnerException);
        Assert.Contains("retention", old.Message);
        var malformed = await node.FailAsync(Name, s => s.OnNextSessionRestoreBookmarkAsync("yesterday"));
        Assert.IsType<PointInTimeUnavailableException>(malformed.InnerException);
        var future = await node.FailAsync(Name, s => s.OnNextSessionRestoreBookmarkAsync("0000000000000000-00000000000000ff"));
        Assert.Contains("after the object's newest event", future.Message);
        Assert.Equal(1, await node.RunAsync(Name, s => s.GetAsync<int>("v").AsTask()));
    }
}
