using Durable.Configuration;
using Durable.Web.Node;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class NodeServiceCollectionExtensions
{
    /// <summary>
    /// What the node program adds around the objects and the edge: its own settings (<c>Durable:Node</c>, validated on
    /// start), one log line at start with the effective <c>Durable</c> settings (secrets masked), and the idle memory
    /// trimmer.
    /// </summary>
    public static IServiceCollection AddDurableNode(this IServiceCollection services)
    {
        services.AddOptions<NodeOptions>().BindDurableSection(NodeOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<NodeSettingsLog>();
        services.AddHostedService<IdleMemoryTrimmer>();
        return services;
    }
}
