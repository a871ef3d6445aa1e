using Npgsql;

namespace Durable.Storage.Postgres;

/// <summary>Session settings every connection of ours to PostgreSQL carries.</summary>
internal static class PostgresSessions
{
    private const string IdleInTransactionSetting = "idle_in_transaction_session_timeout";

    /// <summary>
    /// The connection string with <c>idle_in_transaction_session_timeout</c> set to <paramref name="timeout"/>, unless its
    /// <c>Options</c> already set it. Our transactions never leave the server waiting on the client between statements
    /// for more than milliseconds; a longer wait means the process is paused (SIGSTOP, a debugger, a frozen VM) or cut
    /// off, and the locks its open transaction holds (journal rows, lease rows, the allocator's lock) would stall the
    /// nodes that took over its shards for as long as it stays paused. The server ends such a session instead: the
    /// paused node's transaction rolls back and it commits nothing when it resumes.
    /// </summary>
    public static string WithIdleInTransactionTimeout(string connectionString, TimeSpan timeout)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains(IdleInTransactionSetting, StringComparison.OrdinalIgnoreCase) == true) return connectionString;
        var setting = $"-c {IdleInTransactionSetting}={Math.Max(1, (long)timeout.TotalMilliseconds)}";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? setting : $"{builder.Options} {setting}";
        return builder.ConnectionString;
    }
}
