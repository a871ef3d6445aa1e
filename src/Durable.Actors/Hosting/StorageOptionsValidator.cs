using Microsoft.Extensions.Options;

namespace Durable.Hosting;

/// <summary>Checks the journal's database settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<SqliteStorageOptions>, IValidateOptions<PostgresStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
            failures.Add($"{SqliteStorageOptions.SectionName}:{nameof(options.Path)} is '{options.Path}'; it must name a database file.");
        if (options.BusyTimeout < TimeSpan.Zero)
            failures.Add($"{SqliteStorageOptions.SectionName}:{nameof(options.BusyTimeout)} is {options.BusyTimeout}; it must not be negative.");
        return Result(failures);
    }

    public ValidateOptionsResult Validate(string? name, PostgresStorageOptions options) =>
        string.IsNullOrWhiteSpace(options.ConnectionString)
            ? ValidateOptionsResult.Fail(
                $"{PostgresStorageOptions.SectionName}:{nameof(options.ConnectionString)} is empty; it must be an Npgsql connection string.")
            : ValidateOptionsResult.Success;

    private static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
