using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Journal;
using Durable.Storage.Sqlite;

namespace Durable.Actors.Tests.Storage;

public sealed class SqliteStorageConformanceTests : JournalConformanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("durable-sqlite-").FullName;

    private string DatabasePath => Path.Combine(_directory, "nested", "durable.db");

    private protected override JournalStorageProvider NewJournalProvider(Action<JournalStorageOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new SqliteStorageOptions { Path = DatabasePath };
        configure?.Invoke(options);
        return new SqliteStorageProvider(options, time);
    }

    private protected override Task OverwritePayloadAsync(JournalStorageProvider provider, ObjectKey key, long seq, byte[] payload, bool snapshot = false)
    {
        ((SqliteStorageProvider)provider).OverwritePayload(key, seq, payload, snapshot);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_database_runs_in_wal_mode_with_full_sync_at_the_configured_path()
    {
        var provider = (SqliteStorageProvider)NewJournalProvider();
        await provider.OpenAsync(CancellationToken.None);
        await provider.DisposeAsync();
        Assert.True(File.Exists(DatabasePath));
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; ";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "SELECT group_concat(version) FROM schema_version";
        Assert.Equal("1,2", command.ExecuteScalar()?.ToString());
    }
}
