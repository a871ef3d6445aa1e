using Durable.Cluster;
using Durable.Cluster.Hosting;
using Durable.Cluster.Internal;
using Durable.Configuration;
using Durable.Hosting;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The cluster verb: <c>services.AddDurableObjects(...).UsePostgresStorage().AddCluster()</c>.</summary>
public static class DurableObjectsBuilderClusterExtensions
{
    /// <summary>
    /// Makes this node a cluster member: it serves only the shards it holds leases for, fences every journal commit
    /// with its lease, and joins the membership in PostgreSQL. Settings from <c>Durable:Cluster</c>, then
    /// <paramref name="configure"/>. The cluster's tables live in the PostgreSQL storage's database.
    /// </summary>
    public static DurableObjectsBuilder AddCluster(this DurableObjectsBuilder builder, Action<ClusterOptions>? configure = null)
    {
        var services = builder.Services;
        services.AddClusterOptions(configure);

        services.TryAddSingleton(sp => ClusterStore.Create(sp.GetRequiredService<IOptions<ClusterOptions>>().Value));
        services.TryAddSingleton(sp => new ShardLeaseManager(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeId is { Length: > 0 } id ? new NodeId(id) : NodeId.New(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ShardLeaseManager>>()));
        services.TryAddSingleton<IObjectPlacement>(sp => sp.GetRequiredService<ShardLeaseManager>());
        services.TryAddSingleton<IJournalFence>(sp => sp.GetRequiredService<ShardLeaseManager>());
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return new ClusterNode(o, o.AdvertisedUrl!, sp.GetRequiredService<ClusterStore>(),
                sp.GetRequiredService<ShardLeaseManager>(), sp.GetRequiredService<ObjectRuntime>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ClusterNode>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<ClusterNode>());
        services.TryAddSingleton(sp => new ClusterRouter(sp.GetRequiredService<ClusterNode>(), sp.GetRequiredService<ShardLeaseManager>(),
            sp.GetRequiredService<ObjectRuntime>(), sp.GetRequiredService<IOptions<ClusterOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ClusterRouter>>()));
        services.TryAddSingleton<IObjectRouter>(sp => sp.GetRequiredService<ClusterRouter>());
        services.TryAddSingleton<IObjectOwners>(sp => sp.GetRequiredService<ClusterRouter>());
        return builder;
    }

    /// <summary>Binds <see cref="ClusterOptions"/> (<c>Durable:Cluster</c>, then <paramref name="configure"/>), validated on start;
    /// the connection string defaults to the PostgreSQL storage's.</summary>
    internal static void AddClusterOptions(this IServiceCollection services, Action<ClusterOptions>? configure)
    {
        var options = services.AddOptions<ClusterOptions>().BindDurableSection(ClusterOptions.SectionName);
        if (configure is not null) options.Configure(configure);
        options.PostConfigure<IServiceProvider>((o, sp) =>
        {
            o.Enabled = true;
            if (string.IsNullOrWhiteSpace(o.ConnectionString))
                o.ConnectionString = sp.GetService<IOptions<PostgresStorageOptions>>()?.Value.ConnectionString;
            if (string.IsNullOrWhiteSpace(o.AdvertisedUrl))
                o.AdvertisedUrl = (sp.GetService<IConfiguration>()?["urls"] ?? "http://127.0.0.1:8787").Split(';')[0].Trim();
        });
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
    }
}
