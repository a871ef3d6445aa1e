namespace Durable.Hosting;

/// <summary>The objects' journal on one SQLite file (configuration section <c>Durable:Storage:Sqlite</c>).</summary>
public sealed class SqliteStorageOptions
{
    public const string SectionName = "Durable:Storage:Sqlite";

    /// <summary>The database file; its directory is created. Default <c>data/durable.db</c>.</summary>
    public string Path { get; set; } = "data/durable.db";

    /// <summary>How long a connection waits for another writer's lock (another process on the same file). Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
