namespace Durable.Hosting;

/// <summary>The objects' journal on PostgreSQL (configuration section <c>Durable:Storage:Postgres</c>).</summary>
public sealed class PostgresStorageOptions
{
    public const string SectionName = "Durable:Storage:Postgres";

    /// <summary>An Npgsql connection string; required. Tables go in the connection's search path.</summary>
    public string ConnectionString { get; set; } = "";
}
