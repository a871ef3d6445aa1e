using Durable.Actors.Tests.Storage;
using Npgsql;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>A SQLite file in a temporary directory of its own, deleted with the directory.</summary>
public sealed class FreshSqliteFile(string prefix, string fileName)
{
    private string _directory = "";

    public string Path { get; private set; } = "";

    public void Create()
    {
        _directory = Directory.CreateTempSubdirectory(prefix).FullName;
        Path = System.IO.Path.Combine(_directory, fileName);
    }

    public void Delete()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>A schema of its own on the shared test server (<see cref="PostgresServer"/>), dropped at the end.</summary>
public sealed class FreshPostgresSchema(string prefix)
{
    private readonly string _schema = prefix + Guid.NewGuid().ToString("n")[..16];

    /// <summary>Connects with the schema as the search path (empty until <see cref="CreateAsync"/>).</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task CreateAsync()
    {
        await ExecuteAsync($"CREATE SCHEMA {_schema}");
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { SearchPath = _schema }.ConnectionString;
    }

    public async Task DropAsync()
    {
        if (ConnectionString.Length == 0) return;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP SCHEMA {_schema} CASCADE");
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
