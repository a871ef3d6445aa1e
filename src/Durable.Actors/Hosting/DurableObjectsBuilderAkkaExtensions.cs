using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Durable.Configuration;
using Durable.Hosting;
using Durable.Internal;
using Durable.Objects;
using Durable.Persistence;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The verb that hosts objects on Akka.NET: <c>.UseAkkaObjects(...)</c>.</summary>
public static class DurableObjectsBuilderAkkaExtensions
{
    /// <summary>The actor system's name (Akka addresses read <c>akka.tcp://durable@host:port</c>).</summary>
    public const string ActorSystemName = "durable";

    /// <summary>
    /// Hosts every object as a sharded persistent actor: an actor system configured with Akka.Hosting, a cluster of one
    /// on loopback (the code path a cluster uses), one shard region per namespace, Akka's log in
    /// Microsoft.Extensions.Logging. <paramref name="journal"/> chooses the journal plugin; without it, objects journal to
    /// Akka's in-memory journal (lost at exit, no point-in-time recovery). <paramref name="settings"/> (HOCON with an
    /// <c>akka</c> section, e.g. the node's durable.conf) overrides Akka's settings, ours included. <paramref name="membership"/>
    /// (Durable.Cluster's <c>UseAkkaCluster</c>) replaces the cluster of one by a cluster it forms or joins.
    /// </summary>
    public static DurableObjectsBuilder UseAkkaObjects(this DurableObjectsBuilder builder, ObjectJournal? journal = null, Config? settings = null,
        AkkaMembership? membership = null)
    {
        var services = builder.Services;
        services.AddSingleton<ShardedObjects>();
        journal?.Register(services);

        // Akka's hosted service must start before the runtime's and stop after it (the runtime drains its events
        // first), so the runtime's moves behind it.
        var runtimeService = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DurableObjectsHostedService));
        services.Remove(runtimeService);
        services.AddAkka(ActorSystemName, (akka, sp) =>
        {
            akka.ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithRemoting("127.0.0.1", 0)
                .WithClustering()
                .WithCustomSerializer("durable", [typeof(BatchCommitted), typeof(ObjectSnapshot)], system => new DurableSerializer(system))
                .WithCustomSerializer("durable-alarm-book", AlarmBookSerializer.Types, system => new AlarmBookSerializer(system))
                .WithCustomSerializer("durable-object-event", ObjectEventSerializer.Types, system => new ObjectEventSerializer(system, sp.GetRequiredService<ShardedObjects>()))
                .WithCustomSerializer("durable-socket", SocketMessageSerializer.Types, system => new SocketMessageSerializer(system))
                .AddHocon("""
                    akka.cluster.sharding.state-store-mode = ddata
                    akka.cluster.sharding.remember-entities = off
                    # Only the alarm books remember their entities; they keep them in the journal.
                    akka.cluster.sharding.remember-entities-store = eventsourced
                    akka.cluster.min-nr-of-members = 1
                    # An object's request or response crosses between nodes in one frame (hocon/durable.conf).
                    akka.remote.dot-netty.tcp.maximum-frame-size = 20MiB
                    akka.coordinated-shutdown.exit-clr = off
                    akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                    # Client sockets' actors and their sending graphs (Durable.Web's SocketActor): on a thread of their
                    # own, so their per-frame work does not queue in front of the objects' turns (bench/README.md).
                    durable.sockets-dispatcher {
                      type = ForkJoinDispatcher
                      throughput = 100
                      dedicated-thread-pool.thread-count = 1
                    }
                    """, HoconAddMode.Prepend);
            if (membership is not null) akka.AddHocon(membership.Defaults, HoconAddMode.Prepend);
            if (settings is not null && settings.HasPath("akka")) akka.AddHocon(settings, HoconAddMode.Prepend);
            if (membership is not null) akka.AddHocon(membership.Overrides(sp), HoconAddMode.Prepend);
            journal?.Configure(akka, sp);
            akka.WithActors(async (system, _) =>
            {
                // With seed nodes configured (akka.cluster.seed-nodes) Akka joins them by itself; otherwise the membership
                // joins, or the node is a cluster of one.
                var cluster = Akka.Cluster.Cluster.Get(system);
                if (system.Settings.Config.GetStringList("akka.cluster.seed-nodes").Count == 0)
                {
                    if (membership is not null) await membership.Join(system, sp);
                    else cluster.Join(cluster.SelfAddress);
                }
                await sp.GetRequiredService<ShardedObjects>().StartAsync(
                    system, sp.GetRequiredService<ObjectRuntime>(), journal?.ReadJournalPluginId);
            });
        });
        services.Add(runtimeService);
        return builder;
    }
}

/// <summary>
/// How a node becomes a member of a cluster of several: Akka settings under the node's own (<see cref="Defaults"/>) and over
/// them (<see cref="Overrides"/>, resolved when the host starts), and the join run when no seed nodes are configured.
/// </summary>
public sealed class AkkaMembership(Config defaults, Func<IServiceProvider, Config> overrides, Func<ActorSystem, IServiceProvider, Task> join)
{
    public Config Defaults { get; } = defaults;

    public Func<IServiceProvider, Config> Overrides { get; } = overrides;

    public Func<ActorSystem, IServiceProvider, Task> Join { get; } = join;
}

/// <summary>The journal plugin objects persist through on the Akka engine.</summary>
public sealed class ObjectJournal
{
    private readonly Action<AkkaConfigurationBuilder, IServiceProvider> _configure;
    private readonly Action<IServiceCollection>? _register;

    private ObjectJournal(Action<AkkaConfigurationBuilder, IServiceProvider> configure, string? readJournalPluginId,
        Action<IServiceCollection>? register = null)
    {
        _configure = configure;
        ReadJournalPluginId = readJournalPluginId;
        _register = register;
    }

    /// <summary>The read journal that point-in-time recovery reads history through; null: the plugin has none.</summary>
    public string? ReadJournalPluginId { get; }

    /// <summary>Durable's plugin on one SQLite file (the path is resolved when the host starts).</summary>
    public static ObjectJournal Sqlite(Func<IServiceProvider, string> path) =>
        new((akka, sp) => akka.WithDurableSqlitePersistence(path(sp)), DurablePersistence.SqliteReadJournalPluginId);

    /// <summary>Durable's plugin on the SQLite file of <c>Durable:Storage:Sqlite</c> (<see cref="SqliteStorageOptions"/>,
    /// bound and validated on start; default <c>data/durable.db</c>).</summary>
    public static ObjectJournal Sqlite() => new(
        (akka, sp) =>
        {
            var options = sp.GetRequiredService<IOptions<SqliteStorageOptions>>().Value;
            akka.WithDurableSqlitePersistence(options.Path, plugin => plugin.BusyTimeout = options.BusyTimeout);
        },
        DurablePersistence.SqliteReadJournalPluginId,
        services => AddStorageOptions<SqliteStorageOptions>(services, SqliteStorageOptions.SectionName));

    /// <summary>Durable's plugin on the PostgreSQL of <c>Durable:Storage:Postgres:ConnectionString</c>
    /// (<see cref="PostgresStorageOptions"/>, bound and validated on start).</summary>
    public static ObjectJournal Postgres() => new(
        (akka, sp) => akka.WithDurablePostgresPersistence(sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value.ConnectionString),
        DurablePersistence.PostgresReadJournalPluginId,
        services => AddStorageOptions<PostgresStorageOptions>(services, PostgresStorageOptions.SectionName));

    /// <summary>Durable's plugin on PostgreSQL (the connection string is resolved when the host starts).</summary>
    public static ObjectJournal Postgres(Func<IServiceProvider, string> connectionString) =>
        new((akka, sp) => akka.WithDurablePostgresPersistence(connectionString(sp)), DurablePersistence.PostgresReadJournalPluginId);

    /// <summary>Any other plugin set up by <paramref name="configure"/> (Akka.Persistence.Sql, Akka.Persistence.TestKit's).</summary>
    public static ObjectJournal Custom(Action<AkkaConfigurationBuilder, IServiceProvider> configure, string? readJournalPluginId = null) =>
        new(configure, readJournalPluginId);

    internal void Configure(AkkaConfigurationBuilder akka, IServiceProvider services) => _configure(akka, services);

    internal void Register(IServiceCollection services) => _register?.Invoke(services);

    // Durations ("5s") as HOCON writes them; a bad value or unknown key names itself and where it came from.
    private static void AddStorageOptions<TOptions>(IServiceCollection services, string section) where TOptions : class
    {
        services.AddOptions<TOptions>().BindDurableSection(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IValidateOptions<TOptions>), typeof(StorageOptionsValidator)));
    }
}
