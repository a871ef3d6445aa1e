using Akka.Persistence;

namespace Durable.Actors.Tests.Persistence.Conformance;

public abstract partial class PersistencePluginConformanceTests<TFixture>
{
    /// <summary>Snapshot i (1..5) is taken at sequence number 10·i with a timestamp i minutes after a fixed instant.</summary>
    private static readonly DateTime SnapshotEpoch = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private async Task<List<SnapshotMetadata>> SaveFiveSnapshotsAsync(string persistenceId)
    {
        var saved = new List<SnapshotMetadata>();
        for (var i = 1; i <= 5; i++)
        {
            SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(persistenceId, 10 * i, SnapshotEpoch.AddMinutes(i)), $"s-{i}"), Kit.TestActor);
            saved.Add((await Kit.ExpectMsgAsync<SaveSnapshotSuccess>(Reply, $"save of snapshot {i} of {persistenceId}")).Metadata);
        }
        return saved;
    }

    private async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, long toSequenceNr = long.MaxValue)
    {
        SnapshotStore.Tell(new LoadSnapshot(persistenceId, criteria, toSequenceNr), Kit.TestActor);
        var result = await Kit.ExpectMsgAsync<LoadSnapshotResult>(Reply, $"load of {persistenceId} by {criteria}");
        Assert.Equal(toSequenceNr, result.ToSequenceNr);
        return result.Snapshot;
    }

    private static void AssertSnapshot(SelectedSnapshot? loaded, string persistenceId, long sequenceNr, string payload)
    {
        Assert.NotNull(loaded);
        Assert.Equal(persistenceId, loaded.Metadata.PersistenceId);
        Assert.Equal(sequenceNr, loaded.Metadata.SequenceNr);
        Assert.Equal(payload, loaded.Snapshot);
    }

    [Fact]
    public Task Load_without_a_saved_snapshot_finds_none() => ConformAsync(async () =>
    {
        Assert.Null(await LoadAsync(NewPersistenceId("no-snapshot"), SnapshotSelectionCriteria.Latest));
    });

    [Fact]
    public Task Load_returns_the_latest_saved_snapshot() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("snapshot-latest");
        await SaveFiveSnapshotsAsync(id);
        AssertSnapshot(await LoadAsync(id, SnapshotSelectionCriteria.Latest), id, 50, "s-5");
    });

    [Fact]
    public Task Load_by_max_sequence_number_returns_the_youngest_snapshot_at_or_below_it() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("snapshot-seq");
        await SaveFiveSnapshotsAsync(id);
        AssertSnapshot(await LoadAsync(id, new SnapshotSelectionCriteria(30, DateTime.MaxValue)), id, 30, "s-3");
        AssertSnapshot(await LoadAsync(id, new SnapshotSelectionCriteria(39, DateTime.MaxValue)), id, 30, "s-3");
        AssertSnapshot(await LoadAsync(id, SnapshotSelectionCriteria.Latest, toSequenceNr: 25), id, 20, "s-2");
        Assert.Null(await LoadAsync(id, new SnapshotSelectionCriteria(9, DateTime.MaxValue)));
    });

    [Fact]
    public Task Load_by_max_timestamp_returns_the_youngest_snapshot_taken_at_or_before_it() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("snapshot-time");
        var saved = await SaveFiveSnapshotsAsync(id);
        AssertSnapshot(await LoadAsync(id, new SnapshotSelectionCriteria(long.MaxValue, saved[1].Timestamp)), id, 20, "s-2");
        AssertSnapshot(await LoadAsync(id, new SnapshotSelectionCriteria(long.MaxValue, saved[2].Timestamp.AddSeconds(30))), id, 30, "s-3");
        Assert.Null(await LoadAsync(id, new SnapshotSelectionCriteria(long.MaxValue, saved[0].Timestamp.AddSeconds(-1))));
    });

    [Fact]
    public Task Delete_of_one_snapshot_leaves_the_others() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("snapshot-delete-one");
        var saved = await SaveFiveSnapshotsAsync(id);
        SnapshotStore.Tell(new DeleteSnapshot(saved[4]), Kit.TestActor);
        await Kit.ExpectMsgAsync<DeleteSnapshotSuccess>(Reply, "delete of snapshot 5");
        AssertSnapshot(await LoadAsync(id, SnapshotSelectionCriteria.Latest), id, 40, "s-4");
        SnapshotStore.Tell(new DeleteSnapshot(saved[2]), Kit.TestActor);
        await Kit.ExpectMsgAsync<DeleteSnapshotSuccess>(Reply, "delete of snapshot 3");
        AssertSnapshot(await LoadAsync(id, new SnapshotSelectionCriteria(35, DateTime.MaxValue)), id, 20, "s-2");
    });

    [Fact]
    public Task Delete_by_criteria_removes_every_matching_snapshot_and_no_other() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("snapshot-delete-criteria");
        await SaveFiveSnapshotsAsync(id);
        var criteria = new SnapshotSelectionCriteria(30, DateTime.MaxValue);
        SnapshotStore.Tell(new DeleteSnapshots(id, criteria), Kit.TestActor);
        await Kit.ExpectMsgAsync<DeleteSnapshotsSuccess>(Reply, "delete of snapshots to 30");
        Assert.Null(await LoadAsync(id, new SnapshotSelectionCriteria(30, DateTime.MaxValue)));
        AssertSnapshot(await LoadAsync(id, SnapshotSelectionCriteria.Latest), id, 50, "s-5");
        AssertSnapshot(await LoadAsync(id, new SnapshotSelectionCriteria(45, DateTime.MaxValue)), id, 40, "s-4");
    });

    [Fact]
    public Task Snapshots_of_one_persistence_id_are_not_seen_by_another() => ConformAsync(async () =>
    {
        var id = NewPersistenceId("snapshot-mine");
        await SaveFiveSnapshotsAsync(id);
        Assert.Null(await LoadAsync(NewPersistenceId("snapshot-other"), SnapshotSelectionCriteria.Latest));
    });
}
