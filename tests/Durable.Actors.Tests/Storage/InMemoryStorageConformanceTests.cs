using Durable.Storage;

namespace Durable.Actors.Tests.Storage;

public sealed class InMemoryStorageConformanceTests : StorageConformanceTests
{
    private readonly InMemoryStorageProvider _store = new();

    // One process-lifetime store: a "restarted node" opens the same one.
    protected override IDurableStorageProvider NewProvider() => _store;
}
