using Durable.Storage;

namespace Durable.TestKit.Tests;

public class TestStorageTests
{
    private static readonly ObjectKey Key = new("ns", new string('a', 64));

    private static JournalEvent Event(long seq, string key = "k")
    {
        var batch = new WriteBatch();
        batch.Put(key, new StoredValue(StoredValueKind.Json, "1"u8.ToArray()));
        return new JournalEvent(seq, DateTimeOffset.UnixEpoch.AddSeconds(seq), batch);
    }

    [Fact]
    public async Task Injected_failure_fails_exactly_the_next_append_and_writes_nothing()
    {
        var storage = new TestStorage();
        storage.FailNextAppend(new TimeoutException("injected"));

        await Assert.ThrowsAsync<TimeoutException>(() => storage.AppendAsync(Key, Event(1), CancellationToken.None));
        await storage.AppendAsync(Key, Event(1), CancellationToken.None);

        Assert.Equal(1, (await storage.LoadAsync(Key, CancellationToken.None)).Seq);
        Assert.Equal(2, storage.AppendCount);
    }

    [Fact]
    public async Task Held_appends_stay_pending_until_released()
    {
        var storage = new TestStorage();
        var hold = storage.HoldAppends();

        var append = storage.AppendAsync(Key, Event(1), CancellationToken.None);
        await storage.WaitForAppendsAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(append.IsCompleted);
        hold.Release();

        await append.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await storage.LoadAsync(Key, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task Held_loads_stay_pending_until_released()
    {
        var storage = new TestStorage();
        using var hold = storage.HoldLoads();

        var load = storage.LoadAsync(Key, CancellationToken.None);
        await storage.WaitForLoadsAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(load.IsCompleted);
        hold.Dispose();

        Assert.Equal(0, (await load.WaitAsync(TimeSpan.FromSeconds(10))).Seq);
    }

    [Fact]
    public async Task A_stale_sequence_number_is_a_conflict()
    {
        var storage = new TestStorage();
        await storage.AppendAsync(Key, Event(1), CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<StorageConflictException>(() => storage.AppendAsync(Key, Event(1, "other"), CancellationToken.None));

        Assert.Equal(1, conflict.Seq);
        var data = await storage.LoadAsync(Key, CancellationToken.None);
        Assert.True(data.Entries.TryGet("k", out _));
        Assert.False(data.Entries.TryGet("other", out _));
    }
}
