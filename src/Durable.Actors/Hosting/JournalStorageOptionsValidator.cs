using Microsoft.Extensions.Options;

namespace Durable.Hosting;

/// <summary>Checks the journal providers' settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class JournalStorageOptionsValidator : IValidateOptions<SqliteStorageOptions>, IValidateOptions<PostgresStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options)
    {
        var failures = Common(SqliteStorageOptions.SectionName, options);
        if (string.IsNullOrWhiteSpace(options.Path))
            failures.Add($"{SqliteStorageOptions.SectionName}:{nameof(options.Path)} is '{options.Path}'; it must name a database file.");
        if (options.BusyTimeout < TimeSpan.Zero)
            failures.Add($"{SqliteStorageOptions.SectionName}:{nameof(options.BusyTimeout)} is {options.BusyTimeout}; it must not be negative.");
        return Result(failures);
    }

    public ValidateOptionsResult Validate(string? name, PostgresStorageOptions options)
    {
        var failures = Common(PostgresStorageOptions.SectionName, options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add($"{PostgresStorageOptions.SectionName}:{nameof(options.ConnectionString)} is empty; it must be an Npgsql connection string.");
        return Result(failures);
    }

    internal static List<string> Common(string section, JournalStorageOptions options)
    {
        var failures = new List<string>();
        if (options.GroupCommitDelay < TimeSpan.Zero || options.GroupCommitDelay > TimeSpan.FromMilliseconds(1))
            failures.Add($"{section}:{nameof(options.GroupCommitDelay)} is {options.GroupCommitDelay}; it must be between 0 and 1 ms.");
        if (options.MaxGroupSize < 1)
            failures.Add($"{section}:{nameof(options.MaxGroupSize)} is {options.MaxGroupSize}; it must be at least 1.");
        if (options.SnapshotEveryEvents < 1)
            failures.Add($"{section}:{nameof(options.SnapshotEveryEvents)} is {options.SnapshotEveryEvents}; it must be at least 1.");
        if (options.SnapshotEveryBytes < 1)
            failures.Add($"{section}:{nameof(options.SnapshotEveryBytes)} is {options.SnapshotEveryBytes}; it must be at least 1.");
        if (options.HistoryRetention < TimeSpan.Zero)
            failures.Add($"{section}:{nameof(options.HistoryRetention)} is {options.HistoryRetention}; it must not be negative.");
        return failures;
    }

    private static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
