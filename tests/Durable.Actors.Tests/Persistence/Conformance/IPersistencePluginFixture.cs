using Akka.Hosting;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>
/// One persistence plugin under <see cref="PersistencePluginConformanceTests{TFixture}"/>: a class fixture that owns a fresh
/// database (file or schema) for the test class it serves and removes it in <see cref="IAsyncLifetime.DisposeAsync"/>.
/// Every test starts its own actor system on that database, so tests share the store but not persistence ids.
/// </summary>
public interface IPersistencePluginFixture : IAsyncLifetime
{
    /// <summary>Makes the plugin the default journal and snapshot store of an actor system on this fixture's database.</summary>
    void Configure(AkkaConfigurationBuilder builder);

    /// <summary>The plugin id of its Akka.Persistence.Query read journal, or null if the plugin has none.</summary>
    string? QueryPluginId { get; }

    /// <summary>
    /// The arguments after <c>akka</c> with which tests/Durable.Storage.CrashChild writes through this plugin on this
    /// fixture's database (see AkkaPersistenceMode.cs there), e.g. <c>["sql", "sqlite", "Data Source=/tmp/x.db"]</c>.
    /// </summary>
    IReadOnlyList<string> CrashChildArguments { get; }

    /// <summary>
    /// Cases this plugin is known to violate, by test method name, with the reason. Such a case still runs and asserts
    /// the violation is still there (so a fixed plugin shows up), never a silent skip. Empty for a conforming plugin.
    /// </summary>
    IReadOnlyDictionary<string, string> KnownLimitations { get; }
}
