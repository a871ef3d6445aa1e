using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Durable.Actors.Tests.Persistence.Conformance;

public abstract partial class PersistencePluginConformanceTests<TFixture>
{
    private IReadJournal ReadJournal => PersistenceQuery.Get(Sys).ReadJournalFor<IReadJournal>(
        Plugin.QueryPluginId ?? throw new InvalidOperationException("The plugin has no read journal."));

    private bool NoReadJournal()
    {
        if (Plugin.QueryPluginId is not null) return false;
        Output.WriteLine("The plugin declares no Akka.Persistence.Query read journal; the query cases do not apply.");
        return true;
    }

    [Fact]
    public Task Read_journal_lists_the_current_persistence_ids() => ConformAsync(async () =>
    {
        if (NoReadJournal()) return;
        var ids = new[] { NewPersistenceId("query-a"), NewPersistenceId("query-b") };
        foreach (var id in ids) await WriteAsync(id, 1, 2);
        var query = Assert.IsAssignableFrom<ICurrentPersistenceIdsQuery>(ReadJournal);
        var listed = await query.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), Sys.Materializer()).WaitAsync(Reply);
        Assert.Superset(ids.ToHashSet(), listed.ToHashSet());
        Assert.Equal(listed.Count, listed.Distinct().Count());
    });

    [Fact]
    public Task Read_journal_returns_the_current_events_of_a_persistence_id_in_order_within_bounds() => ConformAsync(async () =>
    {
        if (NoReadJournal()) return;
        var id = NewPersistenceId("query-events");
        await WriteAsync(id, 1, 5);
        var query = Assert.IsAssignableFrom<ICurrentEventsByPersistenceIdQuery>(ReadJournal);
        async Task<IReadOnlyList<EventEnvelope>> EventsAsync(long from, long to) =>
            await query.CurrentEventsByPersistenceId(id, from, to).RunWith(Sink.Seq<EventEnvelope>(), Sys.Materializer()).WaitAsync(Reply);

        var all = await EventsAsync(0, long.MaxValue);
        Assert.Equal(Range(1, 5), all.Select(e => e.SequenceNr));
        Assert.Equal(Range(1, 5).Select(n => (object)$"e-{n}"), all.Select(e => e.Event));
        Assert.All(all, e => Assert.Equal(id, e.PersistenceId));
        Assert.Equal(Range(2, 4), (await EventsAsync(2, 4)).Select(e => e.SequenceNr));
        Assert.Empty(await EventsAsync(6, long.MaxValue));
    });
}
