using Durable;
using Durable.Configuration;
using Durable.Hosting;
using Durable.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class DurableObjectsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the durable object runtime and its namespaces:
    /// <c>services.AddDurableObjects(o => o.AddNamespace&lt;Counter&gt;("counter")).UseAkkaObjects(ObjectJournal.Sqlite())</c>
    /// (the objects are sharded persistent actors; <c>UseAkkaObjects</c> chooses their journal). Each namespace is then also a
    /// keyed <see cref="DurableObjectNamespace"/> service (so objects reach each other through their env), and
    /// <see cref="DurableObjectNamespaces"/> lists them all.
    /// </summary>
    public static DurableObjectsBuilder AddDurableObjects(this IServiceCollection services, Action<DurableObjectsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        // Configuration first, then code: the namespaces come from code, settings from either.
        services.AddOptions<DurableObjectsOptions>().BindDurableSection(DurableObjectsOptions.SectionName).Configure(configure).ValidateOnStart();
        services.AddOptions<DurableIdOptions>().BindDurableSection(DurableIdOptions.SectionName).ValidateOnStart();
        services.AddOptions<DurableWebSocketOptions>().BindDurableSection(DurableWebSocketOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableWebSocketOptions>, DurableObjectsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableObjectsOptions>, DurableObjectsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableIdOptions>, DurableObjectsOptionsValidator>());
        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ObjectRuntime>();
        services.TryAddSingleton(sp => new DurableObjectNamespaces(sp.GetRequiredService<ObjectRuntime>()));
        services.AddHostedService<DurableObjectsHostedService>();

        // Namespaces become keyed services now, so run the configuration once here to learn their names.
        var probe = new DurableObjectsOptions();
        configure(probe);
        foreach (var name in probe.Namespaces.Keys)
            services.AddKeyedSingleton(name, static (sp, key) => sp.GetRequiredService<DurableObjectNamespaces>().Get((string)key!));
        return new DurableObjectsBuilder(services);
    }

    /// <summary>The namespace named <paramref name="name"/>, for an object's env or any service.</summary>
    public static DurableObjectNamespace GetDurableObjectNamespace(this IServiceProvider services, string name) =>
        services.GetRequiredService<DurableObjectNamespaces>().Get(name);
}
