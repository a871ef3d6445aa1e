using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Durable.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Storage.CrashChild;

/// <summary>
/// Usage: Durable.Storage.CrashChild akka &lt;prefix&gt; &lt;objects&gt; &lt;plugin&gt; &lt;plugin arguments...&gt;
/// with plugin arguments <c>sql (Sqlite|PostgreSql) &lt;connection string&gt;</c> or <c>durable sqlite &lt;path&gt;</c> or
/// <c>durable postgres &lt;connection string&gt;</c>.
/// Persistent actor "{prefix}-w{i}" persists group after group: group n is the events "n/a", "n/b", "n/c" in one
/// atomic write. Once a group is acknowledged (its last handler ran, so it is durable) the child prints
/// "ack {prefix}-w{i} {n}". It runs until it is killed.
/// </summary>
internal static class AkkaPersistenceMode
{
    private static readonly Lock Output = new();

    public static async Task RunAsync(string[] args)
    {
        var prefix = args[1];
        var objects = int.Parse(args[2]);
        var plugin = args[3..];
        using var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(services => services.AddAkka("crash-child", (builder, _) => Configure(builder, plugin)))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        Print("ready");
        await Task.WhenAll(Enumerable.Range(0, objects).Select(async i =>
        {
            var id = $"{prefix}-w{i}";
            var writer = system.ActorOf(Props.Create(() => new GroupWriter(id)));
            while (true)
            {
                var n = await writer.Ask<long>(GroupWriter.WriteNext.Instance, TimeSpan.FromSeconds(60));
                Print($"ack {id} {n}");
            }
        }));
    }

    private static void Configure(AkkaConfigurationBuilder builder, string[] plugin)
    {
        switch (plugin[0])
        {
            case "sql":
                builder.WithDurableSqlPersistence(new DurableSqlPersistenceOptions
                {
                    Database = Enum.Parse<SqlPersistenceDatabase>(plugin[1]),
                    ConnectionString = plugin[2],
                });
                break;
            case "durable" when plugin[1] == "sqlite":
                builder.WithDurableSqlitePersistence(plugin[2], options =>
                {
                    if (plugin.Length > 3) options.RecentRowsBeforeMove = int.Parse(plugin[3]);
                });
                break;
            case "durable" when plugin[1] == "postgres":
                builder.WithDurablePostgresPersistence(plugin[2]);
                break;
            default:
                throw new ArgumentException($"Unknown persistence plugin '{string.Join(' ', plugin)}' (known: sql, durable sqlite|postgres).");
        }
    }

    private static void Print(string line)
    {
        lock (Output)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    private sealed class GroupWriter : ReceivePersistentActor
    {
        public sealed class WriteNext
        {
            public static readonly WriteNext Instance = new();
        }

        private long _groups;

        public GroupWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<string>(e => _groups = long.Parse(e[..e.IndexOf('/')]));
            Command<WriteNext>(_ =>
            {
                var n = ++_groups;
                PersistAll([$"{n}/a", $"{n}/b", $"{n}/c"], e =>
                {
                    if (e.EndsWith("/c", StringComparison.Ordinal)) Sender.Tell(n);
                });
            });
        }

        public override string PersistenceId { get; }
    }
}
