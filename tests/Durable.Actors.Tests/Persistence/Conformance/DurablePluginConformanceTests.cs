using Durable.Actors.Tests.Storage;
using Xunit.Abstractions;

namespace Durable.Actors.Tests.Persistence.Conformance;

public sealed class DurableSqlitePluginConformanceTests(DurableSqlitePluginFixture plugin, ITestOutputHelper output)
    : PersistencePluginConformanceTests<DurableSqlitePluginFixture>(plugin, output);

// Serialized with the crash tests: they restart the server other PostgreSQL tests use.
[Collection(PostgresServer.Collection)]
public sealed class DurablePostgresPluginConformanceTests(DurablePostgresPluginFixture plugin, ITestOutputHelper output)
    : PersistencePluginConformanceTests<DurablePostgresPluginFixture>(plugin, output);
