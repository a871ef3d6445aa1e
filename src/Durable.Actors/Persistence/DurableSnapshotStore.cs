using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace Durable.Persistence;

/// <summary>
/// Akka's snapshot store on a <see cref="PersistenceEngine"/>: saves and deletions go through the engine's group commit;
/// a load is the recovery's one statement, whose journal half (highest sequence number, events after the snapshot) the
/// engine keeps for the journal's replay that follows. A snapshot saved twice at one sequence number keeps the last.
/// </summary>
public abstract class DurableSnapshotStore : SnapshotStore
{
    private readonly PersistenceEngine _engine;
    private readonly ExtendedActorSystem _system;

    private protected DurableSnapshotStore(Config config, EngineKind kind, string referenceId)
    {
        _system = (ExtendedActorSystem)Context.System;
        _engine = EngineRegistry.Acquire(EngineSettings.From(config, kind, referenceId));
    }

    protected override void PostStop()
    {
        _ = EngineRegistry.ReleaseAsync(_engine);
        base.PostStop();
    }

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var stored = await _engine.LoadSnapshotAsync(persistenceId, SnapshotBounds.From(criteria));
        if (stored is null) return null;
        var snapshot = EventCodec.DecodeSnapshot(_system.Serialization, persistenceId, stored.SequenceNr, stored.Payload);
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, stored.SequenceNr, new DateTime(stored.Created, DateTimeKind.Utc)), snapshot);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var stored = new StoredSnapshot(metadata.SequenceNr, metadata.Timestamp.Ticks, EventCodec.EncodeSnapshot(_system, snapshot));
        return _engine.EnqueueAsync(new SaveSnapshot(metadata.PersistenceId, stored));
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) =>
        _engine.EnqueueAsync(new DeleteSnapshot(metadata.PersistenceId, metadata.SequenceNr,
            metadata.Timestamp == DateTime.MinValue ? null : metadata.Timestamp.Ticks));

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        _engine.EnqueueAsync(new DeleteSnapshots(persistenceId, SnapshotBounds.From(criteria)));
}

/// <summary>The snapshot store on SQLite (<c>akka.persistence.snapshot-store.durable-sqlite</c>).</summary>
public sealed class SqliteSnapshotStore(Config config)
    : DurableSnapshotStore(config, EngineKind.Sqlite, DurablePersistence.SqliteSnapshotStorePluginId);

/// <summary>The snapshot store on PostgreSQL (<c>akka.persistence.snapshot-store.durable-postgres</c>).</summary>
public sealed class PostgresSnapshotStore(Config config)
    : DurableSnapshotStore(config, EngineKind.Postgres, DurablePersistence.PostgresSnapshotStorePluginId);
