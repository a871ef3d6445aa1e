using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace Durable.Actors.Tests.Persistence;

/// <summary>Persistent actors on the SQLite plugins, started through the Akka.Hosting extension.</summary>
public sealed class SqlitePluginTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "durable-plugin-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "persistence.db");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_counter_recovers_from_its_snapshot_and_later_events_in_one_read_statement()
    {
        await using (var host = await PluginHost.StartSqliteAsync(DatabasePath))
        {
            var counter = host.System.ActorOf(CounterActor.Props("counter-1"));
            await PluginHost.AskAsync(counter, new CounterActor.Add(1, 2));
            await PluginHost.AskAsync(counter, new CounterActor.Snap());
            var state = await PluginHost.AskAsync(counter, new CounterActor.Add(10));
            Assert.Equal(new CounterActor.State(13, 3), state);
        }

        await using (var host = await PluginHost.StartSqliteAsync(DatabasePath))
        {
            // Start the plugins (and their engine) with another id first, so only the recovery below is counted.
            await PluginHost.AskAsync(host.System.ActorOf(CounterActor.Props("warm-up")), new CounterActor.Get());
            var before = host.Engine.ReadStatements;
            var counter = host.System.ActorOf(CounterActor.Props("counter-1"));
            Assert.Equal(new CounterActor.State(13, 3), await PluginHost.AskAsync(counter, new CounterActor.Get()));
            Assert.Equal(1, host.Engine.ReadStatements - before);
        }
    }

    [Fact]
    public async Task Recoveries_run_without_Akkas_replay_filter_actor()
    {
        // The journal refuses a taken sequence number (SqliteEngineTests), so no replayed stream mixes writers and the
        // filter (one child actor per recovery) is off; a recovery still replays every event.
        await using var host = await PluginHost.StartSqliteAsync(DatabasePath);
        foreach (var journal in new[] { Durable.Persistence.DurablePersistence.SqliteJournalPluginId, Durable.Persistence.DurablePersistence.PostgresJournalPluginId })
            Assert.Equal("off", host.System.Settings.Config.GetString($"{journal}.replay-filter.mode"));
        await PluginHost.AskAsync(host.System.ActorOf(CounterActor.Props("filtered")), new CounterActor.Add(1, 2, 3));
        var again = host.System.ActorOf(CounterActor.Props("filtered"));
        Assert.Equal(new CounterActor.State(6, 3), await PluginHost.AskAsync(again, new CounterActor.Get()));
    }
}
