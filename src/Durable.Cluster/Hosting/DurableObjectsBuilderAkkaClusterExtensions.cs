using Akka.Actor;
using Akka.Configuration;
using Durable.Cluster.Hosting;
using Durable.Cluster.Membership;
using Durable.Configuration;
using Durable.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The cluster verb: <c>services.AddDurableObjects(...).UseAkkaCluster(journal, settings)</c>.</summary>
public static class DurableObjectsBuilderAkkaClusterExtensions
{
    /// <summary>
    /// Hosts objects on Akka.NET as a member of a cluster of several nodes sharing one PostgreSQL: remoting on
    /// <c>Durable:Cluster:Hostname</c>/<c>Port</c>; the cluster formed or joined through PostgreSQL (or the static seed
    /// nodes); the split brain resolver's <c>lease-majority</c> and sharding's per-shard lease on <see cref="PostgresLease"/>.
    /// Settings from <c>Durable:Cluster</c>, then <paramref name="configure"/>; <paramref name="settings"/> as in
    /// <c>UseAkkaObjects</c> (the node's HOCON, over the cluster's defaults).
    /// </summary>
    public static DurableObjectsBuilder UseAkkaCluster(this DurableObjectsBuilder builder, ObjectJournal journal, Config? settings = null,
        Action<ClusterOptions>? configure = null)
    {
        builder.Services.AddClusterOptions(configure);
        builder.Services.AddSingleton<ClusterView>();
        builder.Services.AddHostedService<ClusterMetrics>();
        var membership = new AkkaMembership(
            ClusterHocon.Defaults,
            sp =>
            {
                var options = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
                return ClusterHocon.Overrides(options, options.ConnectionString!);
            },
            (system, sp) => JoinThroughPostgresAsync(system, sp.GetRequiredService<IOptions<ClusterOptions>>().Value));
        return builder.UseAkkaObjects(journal, settings, membership);
    }

    private static async Task JoinThroughPostgresAsync(ActorSystem system, ClusterOptions options)
    {
        var database = AkkaClusterDatabase.For(options.ConnectionString!);
        await using (await database.OpenAsync(CancellationToken.None))
        {
            // Fails the start, with the database's own message, when PostgreSQL cannot be reached or migrated.
        }
        var lease = system.Settings.Config.GetConfig(ClusterHocon.LeasePath);
        var ttl = lease.GetTimeSpan("heartbeat-timeout");
        system.ActorOf(MemberRegistry.Props(database, new MemberRegistrySettings(
            TimeToLive: ttl, HeartbeatInterval: lease.GetTimeSpan("heartbeat-interval"), JoinTimeout: ttl * 2)), "durable-members");
    }

    /// <summary>Binds <see cref="ClusterOptions"/> (<c>Durable:Cluster</c>, then <paramref name="configure"/>), validated on start;
    /// the connection string defaults to the PostgreSQL storage's.</summary>
    private static void AddClusterOptions(this IServiceCollection services, Action<ClusterOptions>? configure)
    {
        var options = services.AddOptions<ClusterOptions>().BindDurableSection(ClusterOptions.SectionName);
        if (configure is not null) options.Configure(configure);
        options.PostConfigure<IServiceProvider>((o, sp) =>
        {
            o.Enabled = true;
            if (string.IsNullOrWhiteSpace(o.ConnectionString))
                o.ConnectionString = sp.GetService<IOptions<PostgresStorageOptions>>()?.Value.ConnectionString;
        });
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
    }
}
