namespace Microsoft.Extensions.DependencyInjection;

public static class NodeServiceCollectionExtensions
{
    /// <summary>What the node program adds around the objects and the edge: one log line at start with the effective
    /// <c>Durable</c> settings (secrets masked).</summary>
    public static IServiceCollection AddDurableNode(this IServiceCollection services)
    {
        services.AddHostedService<Durable.Web.Node.NodeSettingsLog>();
        return services;
    }
}
