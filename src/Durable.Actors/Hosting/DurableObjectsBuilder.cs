using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Durable.Hosting;

/// <summary>Chained set-up verbs after <c>services.AddDurableObjects(...)</c>.</summary>
public sealed class DurableObjectsBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>Keeps journals in process memory (lost at exit). The default when no other storage is chosen.</summary>
    public DurableObjectsBuilder UseInMemoryStorage() => UseStorage(_ => new InMemoryStorageProvider());

    /// <summary>Uses a provider the caller owns (it is not disposed with the container), e.g. one shared by two runtimes.</summary>
    public DurableObjectsBuilder UseStorage(IDurableStorageProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        Services.RemoveAll<IDurableStorageProvider>();
        Services.AddSingleton(provider);
        return this;
    }

    public DurableObjectsBuilder UseStorage(Func<IServiceProvider, IDurableStorageProvider> factory)
    {
        Services.RemoveAll<IDurableStorageProvider>();
        Services.AddSingleton(factory);
        return this;
    }
}
