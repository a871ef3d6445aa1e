using Durable.Storage.Postgres;
using Npgsql;

namespace Durable.Actors.Tests.Storage;

/// <summary>
/// A paused process's open transaction must not hold its locks for as long as it stays paused: the server ends the
/// session after the idle-in-transaction timeout every connection of ours carries.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresSessionTests
{
    [Fact]
    public async Task A_transaction_left_waiting_on_its_client_is_ended_and_its_locks_released()
    {
        var connectionString = PostgresSessions.WithIdleInTransactionTimeout(PostgresServer.ConnectionString, TimeSpan.FromMilliseconds(300));
        var lockId = Random.Shared.NextInt64(1, long.MaxValue);
        await using var paused = new NpgsqlConnection(connectionString);
        await paused.OpenAsync();
        await using var transaction = await paused.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({lockId})", paused, transaction))
            await take.ExecuteNonQueryAsync();

        // The client "pauses" without ending its transaction. The server's own timer ends it (real time, so polled, with
        // a bound far above the 300 ms timeout): without the setting the lock would stay taken for the whole wait.
        await using var other = new NpgsqlConnection(PostgresServer.ConnectionString);
        await other.OpenAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        await using var tryTake = new NpgsqlCommand($"SELECT pg_try_advisory_lock({lockId})", other);
        while (!(bool)(await tryTake.ExecuteScalarAsync())!)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the paused transaction still held its lock after 10 s");
            await Task.Delay(50);
        }
        await using var resumed = new NpgsqlCommand("SELECT 1", paused, transaction);
        await Assert.ThrowsAnyAsync<Exception>(() => resumed.ExecuteScalarAsync());
    }

    [Fact]
    public void The_timeout_joins_existing_options_and_a_setting_already_given_wins()
    {
        var withOptions = new NpgsqlConnectionStringBuilder(PostgresSessions.WithIdleInTransactionTimeout(
            "Host=127.0.0.1;Options=-c search_path=s1", TimeSpan.FromSeconds(2))).Options;
        Assert.Equal("-c search_path=s1 -c idle_in_transaction_session_timeout=2000", withOptions);

        const string given = "Host=127.0.0.1;Options=-c idle_in_transaction_session_timeout=9000";
        Assert.Equal(given, PostgresSessions.WithIdleInTransactionTimeout(given, TimeSpan.FromSeconds(2)));
    }
}
