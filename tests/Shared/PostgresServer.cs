namespace Durable.Tests;

/// <summary>
/// Where the PostgreSQL tests find their server: <c>DURABLE_TEST_PG</c>, set by <c>scripts/postgres.sh</c>. Linked into
/// every test project that needs a real PostgreSQL.
/// </summary>
internal static class PostgresServer
{
    public const string Collection = "postgres server";

    public const string Variable = "DURABLE_TEST_PG";

    /// <summary>The server's connection string, when the variable is set.</summary>
    public static string? Configured => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static string ConnectionString => Configured ?? throw new InvalidOperationException(
        $"{Variable} is not set, so the PostgreSQL tests have no server. Run `eval \"$(scripts/postgres.sh start)\"` from the " +
        "repository root (it installs PostgreSQL if needed, starts it on 127.0.0.1 and exports the variable), then run the tests again.");
}
