using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Streams.Dsl;
using Akka.Util;

namespace Durable.Persistence.Query;

/// <summary>
/// Akka.Persistence.Query over the engine of a Durable journal (<c>write-plugin</c>): the current persistence ids and the
/// current events of one id, read in pages of <c>max-buffer-size</c> rows straight from the database (never from the
/// recovery cache). Live queries and tags are not offered.
/// </summary>
public sealed class DurableReadJournal : IReadJournal, ICurrentPersistenceIdsQuery, ICurrentEventsByPersistenceIdQuery
{
    public const string SqliteIdentifier = "akka.persistence.query.journal.durable-sqlite";
    public const string PostgresIdentifier = "akka.persistence.query.journal.durable-postgres";

    private readonly ExtendedActorSystem _system;
    private readonly PersistenceEngine _engine;
    private readonly int _pageSize;

    internal DurableReadJournal(ExtendedActorSystem system, Config config)
    {
        _system = system;
        var writePlugin = config.GetString("write-plugin", DurablePersistence.SqliteJournalPluginId);
        var journal = system.Settings.Config.GetConfig(writePlugin)
            ?? throw new ConfigurationException($"The read journal's write-plugin {writePlugin} has no configuration.");
        var postgres = journal.HasPath("connection-string");
        _engine = EngineRegistry.Acquire(EngineSettings.From(journal,
            postgres ? EngineKind.Postgres : EngineKind.Sqlite,
            postgres ? DurablePersistence.PostgresJournalPluginId : DurablePersistence.SqliteJournalPluginId));
        _pageSize = Math.Max(1, config.GetInt("max-buffer-size", 500));
        system.RegisterOnTermination(() => _ = EngineRegistry.ReleaseAsync(_engine));
    }

    public Source<string, NotUsed> CurrentPersistenceIds() =>
        Source.UnfoldAsync<(string? After, bool Done), IReadOnlyList<string>>((null, false), async state =>
        {
            if (state.Done) return Option<((string?, bool), IReadOnlyList<string>)>.None;
            var page = await _engine.ReadPersistenceIdsAsync(state.After, _pageSize);
            if (page.Count == 0) return Option<((string?, bool), IReadOnlyList<string>)>.None;
            return ((page[^1], page.Count < _pageSize), page);
        }).SelectMany(page => page);

    public Source<EventEnvelope, NotUsed> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr, long toSequenceNr)
    {
        var serialization = _system.Serialization;
        return Source.UnfoldAsync<(long From, bool Done), IReadOnlyList<EventEnvelope>>((Math.Max(1, fromSequenceNr), false), async state =>
        {
            if (state.Done || state.From > toSequenceNr) return Option<((long, bool), IReadOnlyList<EventEnvelope>)>.None;
            var page = new List<EventEnvelope>();
            await _engine.QueryEventsAsync(persistenceId, state.From, toSequenceNr, _pageSize, row =>
            {
                var persistent = EventCodec.DecodeEvent(serialization, persistenceId, row);
                page.Add(new EventEnvelope(new Sequence(row.SequenceNr), persistenceId, row.SequenceNr, persistent.Payload, row.Timestamp, []));
            });
            if (page.Count == 0) return Option<((long, bool), IReadOnlyList<EventEnvelope>)>.None;
            return ((page[^1].SequenceNr + 1, page.Count < _pageSize), page);
        }).SelectMany(page => page);
    }
}

/// <summary>Creates the <see cref="DurableReadJournal"/> of a query plugin section (see persistence.conf).</summary>
public sealed class DurableReadJournalProvider(ExtendedActorSystem system, Config config) : IReadJournalProvider
{
    private readonly Lazy<DurableReadJournal> _journal = new(() => new DurableReadJournal(system, config));

    public IReadJournal GetReadJournal() => _journal.Value;
}
