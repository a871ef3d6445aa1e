using System.Diagnostics.Metrics;
using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Storage;

/// <summary>The contract of the database providers on top of <see cref="StorageConformanceTests"/>: snapshots,
/// compaction, corrupt rows, group commit.</summary>
public abstract class JournalConformanceTests : StorageConformanceTests
{
    protected override IDurableStorageProvider NewProvider() => NewJournalProvider();

    private protected abstract JournalStorageProvider NewJournalProvider(
        Action<JournalStorageOptions>? configure = null, TimeProvider? time = null, IMeterFactory? meters = null);

    private protected abstract Task OverwritePayloadAsync(JournalStorageProvider provider, ObjectKey key, long seq, byte[] payload, bool snapshot = false);

    private static JournalEvent Put(long seq, string key, int value, DateTimeOffset? time = null)
    {
        var batch = new WriteBatch();
        batch.Put(key, new StoredValue(StoredValueKind.Json, System.Text.Encoding.UTF8.GetBytes(value.ToString())));
        return new JournalEvent(seq, time ?? DateTimeOffset.UtcNow, batch);
    }

    private static async Task<JournalStorageProvider> OpenAsync(JournalStorageProvider provider)
    {
        await provider.OpenAsync(CancellationToken.None);
        return provider;
    }

    [Fact]
    public async Task Each_group_commit_is_measured_once_with_its_batch_count_and_duration()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        long groups = 0, batches = 0, timed = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's factory: other tests' providers commit at the same time.
            if (instrument.Meter.Scope == meters && instrument.Name.StartsWith("durable.storage.group", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref groups, value));
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref batches, value));
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            if (value >= 0) Interlocked.Increment(ref timed);
        });
        listener.Start();
        await using var provider = await OpenAsync(NewJournalProvider(meters: meters));
        var keys = Enumerable.Range(0, 40).Select(i => new ObjectKey("script", $"{Name}-{i}")).ToList();
        foreach (var key in keys) await provider.LoadAsync(key, CancellationToken.None);

        for (var seq = 1; seq <= 2; seq++)
            await Task.WhenAll(keys.Select(key => provider.AppendAsync(key, Put(seq, "k", seq), CancellationToken.None)));

        Assert.Equal(80, Interlocked.Read(ref batches));
        Assert.InRange(Interlocked.Read(ref groups), 2, 80);
        Assert.Equal(Interlocked.Read(ref groups), Interlocked.Read(ref timed));
    }

    [Fact]
    public async Task Ended_activations_leave_no_snapshot_counts_behind_and_a_reload_counts_the_tail_again()
    {
        // Through the runtime: every object that stops (here: the node stopping) releases what the provider kept for it.
        var provider = NewJournalProvider();
        var node = await StartAsync(provider);
        for (var i = 0; i < 20; i++) await node.RunAsync($"{Name}-{i}", s => s.PutAsync("k", i).AsTask());
        Assert.Equal(20, provider.TrackedObjects);
        await node.Runtime.StopAsync(CancellationToken.None);
        Assert.Equal(0, provider.TrackedObjects);

        // A released object's next load counts its unsnapshotted tail again, so its snapshot still comes on schedule:
        // 2 events, release, load, 1 more event = the 3 that trigger it.
        await using var journal = await OpenAsync(NewJournalProvider(o => o.SnapshotEveryEvents = 3));
        var key = new ObjectKey("script", Name);
        await journal.LoadAsync(key, CancellationToken.None);
        for (var seq = 1; seq <= 2; seq++) await journal.AppendAsync(key, Put(seq, "k", seq), CancellationToken.None);
        journal.Release(key);
        Assert.Equal(0, journal.TrackedObjects);
        await journal.LoadAsync(key, CancellationToken.None);
        await journal.AppendAsync(key, Put(3, "k", 3), CancellationToken.None);
        await journal.WhenSnapshotsIdleAsync();
        // Damage event 1: only a load that starts from a snapshot at seq 3 can still succeed.
        await OverwritePayloadAsync(journal, key, 1, [0xEE]);
        await using var fresh = await OpenAsync(NewJournalProvider());
        Assert.Equal(3, (await fresh.LoadAsync(key, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task Recovery_starts_from_the_newest_snapshot_and_replays_the_tail()
    {
        await using var provider = await OpenAsync(NewJournalProvider(o => o.SnapshotEveryEvents = 10));
        var key = new ObjectKey("script", Name);
        await provider.LoadAsync(key, CancellationToken.None);
        for (var seq = 1; seq <= 35; seq++)
            await provider.AppendAsync(key, Put(seq, $"k{seq % 7}", seq), CancellationToken.None);
        await provider.WhenSnapshotsIdleAsync();

        // Damage event 1: a recovery that replayed from the start would now fail.
        await OverwritePayloadAsync(provider, key, 1, [0xEE]);
        await using var fresh = await OpenAsync(NewJournalProvider());
        var data = await fresh.LoadAsync(key, CancellationToken.None);
        Assert.Equal(35, data.Seq);
        Assert.Equal(7, data.Entries.Count);
        Assert.True(data.Entries.TryGet("k0", out var k0));
        Assert.Equal("35", System.Text.Encoding.UTF8.GetString(k0.Data));
        // Point-in-time loads also start from the newest snapshot at or before the seq.
        Assert.Equal(25, (await fresh.LoadAsync(key, 25, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task A_corrupt_or_unknown_payload_stops_recovery_with_an_error_naming_object_and_seq()
    {
        var node = await StartAsync();
        for (var i = 0; i < 3; i++) await node.RunAsync(Name, async s => await s.PutAsync($"k{i}", i));
        var key = node.KeyOf(Name);
        var provider = NewJournalProvider();
        await provider.OpenAsync(CancellationToken.None);
        await OverwritePayloadAsync(provider, key, 2, [99, 0, 0]);
        var unknown = await Assert.ThrowsAsync<JournalCorruptException>(() => provider.LoadAsync(key, CancellationToken.None));
        Assert.Equal(2, unknown.Seq);
        Assert.Contains(key.ToString(), unknown.Message);
        Assert.Contains("seq 2", unknown.Message);
        Assert.Contains("unknown event format version 99", unknown.Message);

        await OverwritePayloadAsync(provider, key, 2, [1, 0, 5]);
        var truncated = await Assert.ThrowsAsync<JournalCorruptException>(() => provider.LoadAsync(key, CancellationToken.None));
        Assert.Contains("seq 2", truncated.Message);
        await provider.DisposeAsync();

        // Through the runtime: the object cannot activate, and the caller is told why.
        node = await RestartAsync(node);
        var error = await node.FailAsync(Name, s => s.GetAsync<int>("k0").AsTask());
        Assert.Contains("seq 2", error.Message);
        Assert.IsType<JournalCorruptException>(error.InnerException);
    }

    [Fact]
    public async Task A_conflict_fails_only_its_own_event_in_a_group_commit()
    {
        await using var provider = await OpenAsync(NewJournalProvider(o => o.GroupCommitDelay = TimeSpan.FromMilliseconds(1)));
        var taken = new ObjectKey("script", Name + "-taken");
        await provider.AppendAsync(taken, Put(1, "a", 1), CancellationToken.None);
        var appends = Enumerable.Range(0, 50)
            .Select(i => provider.AppendAsync(new ObjectKey("script", $"{Name}-{i}"), Put(1, "a", i), CancellationToken.None))
            .Append(provider.AppendAsync(taken, Put(1, "a", 2), CancellationToken.None))
            .ToArray();
        await Assert.ThrowsAsync<StorageConflictException>(() => appends[^1]);
        await Task.WhenAll(appends[..^1]);
        for (var i = 0; i < 50; i++)
            Assert.Equal(1, (await provider.LoadAsync(new ObjectKey("script", $"{Name}-{i}"), CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task History_older_than_retention_is_compacted_into_a_snapshot_and_refused_for_restore()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var provider = await OpenAsync(NewJournalProvider(o =>
        {
            o.SnapshotEveryEvents = 5;
            o.HistoryRetention = TimeSpan.FromHours(1);
        }, clock));
        var key = new ObjectKey("script", Name);
        for (var seq = 1; seq <= 10; seq++)
            await provider.AppendAsync(key, Put(seq, "v", seq, clock.GetUtcNow().AddMinutes(seq)), CancellationToken.None);
        await provider.WhenSnapshotsIdleAsync();
        Assert.Equal(3, (await provider.LoadAsync(key, 3, CancellationToken.None)).Seq);

        clock.Advance(TimeSpan.FromHours(2));
        for (var seq = 11; seq <= 15; seq++)
            await provider.AppendAsync(key, Put(seq, "v", seq, clock.GetUtcNow()), CancellationToken.None);
        await provider.WhenSnapshotsIdleAsync();

        var compacted = await Assert.ThrowsAsync<PointInTimeUnavailableException>(() => provider.LoadAsync(key, 3, CancellationToken.None));
        Assert.Contains("compacted", compacted.Message);
        await Assert.ThrowsAsync<PointInTimeUnavailableException>(() =>
            provider.FindPositionAsync(key, clock.GetUtcNow().AddHours(-1.5), CancellationToken.None));
        Assert.Equal(12, (await provider.LoadAsync(key, 12, CancellationToken.None)).Seq);
        Assert.Equal(15, (await provider.LoadAsync(key, CancellationToken.None)).Seq);
        // A stale writer cannot slip an event under the compacted history.
        await Assert.ThrowsAsync<StorageConflictException>(() => provider.AppendAsync(key, Put(2, "v", 0), CancellationToken.None));
    }

    [Fact]
    public async Task Reopening_a_store_keeps_its_schema_and_data()
    {
        var key = new ObjectKey("script", Name);
        await using (var first = await OpenAsync(NewJournalProvider()))
            await first.AppendAsync(key, Put(1, "a", 1), CancellationToken.None);
        await using var second = await OpenAsync(NewJournalProvider());
        Assert.Equal(1, (await second.LoadAsync(key, CancellationToken.None)).Seq);
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
