namespace Durable.Persistence;

/// <summary>The database Akka.Persistence.Sql keeps the journal and snapshot store in.</summary>
public enum SqlPersistenceDatabase
{
    /// <summary>A SQLite file through Microsoft.Data.Sqlite (linq2db's <c>SQLiteMS</c> provider), written by one connection.</summary>
    Sqlite,

    /// <summary>PostgreSQL through Npgsql (linq2db's <c>PostgreSQL15</c> provider).</summary>
    PostgreSql,
}

/// <summary>
/// Akka.Persistence.Sql as the journal and snapshot store, configured through Akka.Persistence.Sql.Hosting by
/// <see cref="SqlPersistenceHostingExtensions.WithDurableSqlPersistence"/>. The tables are created on first use.
/// </summary>
public sealed class DurableSqlPersistenceOptions
{
    /// <summary>Which database <see cref="ConnectionString"/> points at. Default: <see cref="SqlPersistenceDatabase.Sqlite"/>.</summary>
    public SqlPersistenceDatabase Database { get; set; } = SqlPersistenceDatabase.Sqlite;

    /// <summary>
    /// An ADO.NET connection string for <see cref="Database"/>: <c>Data Source=/path/durable.db</c> for SQLite, an Npgsql
    /// connection string for PostgreSQL (its <c>Search Path</c> chooses the schema the tables go into). Required.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Registers Akka.Persistence.Hosting's health checks for the journal and the snapshot store (a round trip to each
    /// plugin actor). Default: true.
    /// </summary>
    public bool HealthChecks { get; set; } = true;
}
