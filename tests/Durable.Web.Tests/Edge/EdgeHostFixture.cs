using Durable.TestKit;

namespace Durable.Web.Tests.Edge;

/// <summary>One node per test class: short deadline, small per-object queue, fault-injecting journal.</summary>
public sealed class EdgeHostFixture : IAsyncLifetime
{
    internal const int BodyLimit = 64 * 1024;

    private EdgeHost? _host;

    public JournalFaults Journal { get; } = AkkaSpecEngine.NewFaults();

    internal EdgeHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await EdgeHost.StartAsync(
        objects: o =>
        {
            // Long enough that a first request on a loaded 2-core machine (JIT, activation) never meets it by accident.
            o.EventDeadline = TimeSpan.FromSeconds(2);
            o.MaxQueuedEventsPerObject = 3;
        },
        edge: e => e.MaxRequestBodySize = BodyLimit,
        faults: Journal);

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}
