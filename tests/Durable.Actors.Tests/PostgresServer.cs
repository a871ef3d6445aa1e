namespace Durable.Actors.Tests;

/// <summary>Where the PostgreSQL tests find their server: <c>DURABLE_TEST_PG</c>, set by <c>scripts/postgres.sh</c>.</summary>
internal static class PostgresServer
{
    public const string Collection = "postgres server";

    public const string Variable = "DURABLE_TEST_PG";

    public static string ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{Variable} is not set, so the PostgreSQL tests have no server. Run `eval \"$(scripts/postgres.sh start)\"` from the " +
            "repository root (it installs PostgreSQL if needed, starts it on 127.0.0.1 and exports the variable), then run the tests again.");
}
