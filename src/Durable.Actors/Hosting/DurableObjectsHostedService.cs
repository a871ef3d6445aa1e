using Durable.Internal;
using Microsoft.Extensions.Hosting;

namespace Durable.Hosting;

/// <summary>Starts the runtime with the host and stops it gracefully (drain, commit, passivate) with it.</summary>
internal sealed class DurableObjectsHostedService(ObjectRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
