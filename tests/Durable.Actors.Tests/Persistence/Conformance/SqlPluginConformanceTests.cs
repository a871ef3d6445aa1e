using Durable.Actors.Tests.Storage;
using Xunit.Abstractions;

namespace Durable.Actors.Tests.Persistence.Conformance;

public sealed class SqlSqlitePluginConformanceTests(SqlSqlitePluginFixture plugin, ITestOutputHelper output)
    : PersistencePluginConformanceTests<SqlSqlitePluginFixture>(plugin, output);

// Serialized with the crash tests: they restart the server other PostgreSQL tests use.
[Collection(PostgresServer.Collection)]
public sealed class SqlPostgresPluginConformanceTests(SqlPostgresPluginFixture plugin, ITestOutputHelper output)
    : PersistencePluginConformanceTests<SqlPostgresPluginFixture>(plugin, output);
