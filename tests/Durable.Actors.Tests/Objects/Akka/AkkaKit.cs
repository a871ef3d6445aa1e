using Durable.Actors.Tests.Objects;
using Durable.Hosting;
using Durable.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Objects.Akka;

/// <summary>Runtimes whose objects are sharded persistent actors, journaling to a fresh SQLite file on disk.</summary>
internal sealed class AkkaKit : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "durable-objects-" + Guid.NewGuid().ToString("N"));

    public AkkaKit() => Directory.CreateDirectory(_directory);

    public string DatabasePath => Path.Combine(_directory, "durable.db");

    public Task<DurableTestRuntime> StartAsync(Action<DurableObjectsOptions>? tune = null, Action<IServiceCollection>? services = null, VirtualClock? clock = null) =>
        DurableTestRuntime.StartAsync(o =>
        {
            TestNamespaces.AddAll(o);
            tune?.Invoke(o);
        }, ObjectJournal.Sqlite(_ => DatabasePath), s =>
        {
            // No configured id secret: the first runtime stores one in the journal and later ones read it.
            TestNamespaces.AddProbe(s);
            services?.Invoke(s);
        }, clock);

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
