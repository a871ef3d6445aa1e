using Microsoft.Extensions.DependencyInjection;

namespace Durable.Hosting;

/// <summary>Chained set-up verbs after <c>services.AddDurableObjects(...)</c>: <c>.UseAkkaObjects(journal)</c>.</summary>
public sealed class DurableObjectsBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;
}
