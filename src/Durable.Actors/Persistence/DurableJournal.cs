using System.Diagnostics.Metrics;
using Akka.DependencyInjection;
using Durable.Storage.Journal;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Durable.Persistence;

/// <summary>
/// Akka's journal on a <see cref="PersistenceEngine"/>. Atomic per AtomicWrite, durable on completion (the engine's
/// group commit), a taken sequence number fails the call (a persist failure, see <see cref="SequenceConflictException"/>),
/// an event that does not serialize is rejected alone before anything is written. Replay comes from the snapshot load's
/// kept read when it covers the request (see <see cref="RecoveryCache"/>), else from the database.
/// </summary>
public abstract class DurableJournal : AsyncWriteJournal
{
    private readonly PersistenceEngine _engine;
    private readonly ExtendedActorSystem _system;
    private readonly TimeProvider _time = TimeProvider.System;

    private readonly Action<int, TimeSpan>? _metrics;
    private readonly Action<TimeSpan>? _syncMetrics;
    private readonly Action<Exception> _upkeepFailed;

    private protected DurableJournal(Config config, EngineKind kind, string referenceId)
    {
        _system = (ExtendedActorSystem)Context.System;
        _engine = EngineRegistry.Acquire(EngineSettings.From(config, kind, referenceId));
        // The host's meter (Akka.Hosting gives the actor system the host's services): group commits at /metrics.
        if (_system.Settings.Setup.Get<DependencyResolverSetup>().HasValue
            && DependencyResolver.For(_system).Resolver.GetService<IMeterFactory>() is { } meters)
        {
            var metrics = new JournalMetrics(meters);
            _metrics = (ops, elapsed) => metrics.Committed(ops, elapsed);
            _syncMetrics = metrics.Synced;
            _engine.GroupCommitted += _metrics;
            _engine.Synced += _syncMetrics;
        }
        var log = Context.GetLogger();
        var key = _engine.Settings.Key;
        _upkeepFailed = error => log.Warning(error, "Durable journal {0}: {1}", key, error.Message);
        _engine.UpkeepFailed += _upkeepFailed;
    }

    /// <summary>The engine under this journal (for tests).</summary>
    internal PersistenceEngine Engine => _engine;

    protected override void PreStart()
    {
        base.PreStart();
        // Open (and migrate) now, so a bad database fails the plugin's start rather than the first recovery.
        _engine.OpenAsync().PipeTo(Self, success: static () => Opened.Instance, failure: static error => new Status.Failure(error));
    }

    protected override bool ReceivePluginInternal(object message) => message switch
    {
        Opened => true,
        Status.Failure failure => throw new InvalidOperationException($"The Durable journal's database {_engine.Settings.Key} did not open.", failure.Cause),
        _ => false,
    };

    protected override void PostStop()
    {
        if (_metrics is not null) _engine.GroupCommitted -= _metrics;
        if (_syncMetrics is not null) _engine.Synced -= _syncMetrics;
        _engine.UpkeepFailed -= _upkeepFailed;
        _ = EngineRegistry.ReleaseAsync(_engine);
        base.PostStop();
    }

    protected override async Task<IImmutableList<Exception?>?> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        // Persist sends one AtomicWrite per call: a list only when there are more.
        AtomicRows? first = null;
        List<AtomicRows>? more = null;
        List<Exception?>? results = null;
        string? persistenceId = null;
        var events = 0;
        var index = 0;
        foreach (var message in messages)
        {
            try
            {
                var payload = (IImmutableList<IPersistentRepresentation>)message.Payload;
                var rows = new StoredEvent[payload.Count];
                for (var i = 0; i < rows.Length; i++)
                {
                    var persistent = payload[i];
                    var timestamp = persistent.Timestamp != 0 ? persistent.Timestamp : _time.GetUtcNow().UtcTicks;
                    rows[i] = new StoredEvent(persistent.SequenceNr, timestamp, EventCodec.EncodeEvent(_system, persistent));
                }
                persistenceId ??= message.PersistenceId;
                var write = new AtomicRows(rows);
                if (first is null) first = write;
                else (more ??= [first]).Add(write);
                events += rows.Length;
                results?.Add(null);
            }
            catch (Exception error)
            {
                // Rejected before anything of it was written: the actor is told, and goes on.
                results ??= Enumerable.Repeat<Exception?>(null, index).ToList();
                results.Add(error);
            }
            index++;
        }
        if (first is not null)
            await _engine.EnqueueAsync(new WriteEvents(persistenceId!, more?.ToArray() ?? [first], events));
        return results?.ToImmutableList();
    }

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        _engine.ReadHighestSequenceNrAsync(persistenceId);

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        var serialization = _system.Serialization;
        return _engine.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max,
            row => recoveryCallback(EventCodec.DecodeEvent(serialization, persistenceId, row)));
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        _engine.EnqueueAsync(new DeleteEvents(persistenceId, toSequenceNr));

    private sealed class Opened
    {
        public static readonly Opened Instance = new();
    }
}

/// <summary>The journal on SQLite (<c>akka.persistence.journal.durable-sqlite</c>).</summary>
public sealed class SqliteJournal(Config config) : DurableJournal(config, EngineKind.Sqlite, DurablePersistence.SqliteJournalPluginId);

/// <summary>The journal on PostgreSQL (<c>akka.persistence.journal.durable-postgres</c>).</summary>
public sealed class PostgresJournal(Config config) : DurableJournal(config, EngineKind.Postgres, DurablePersistence.PostgresJournalPluginId);
