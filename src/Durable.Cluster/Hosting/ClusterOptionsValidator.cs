using Microsoft.Extensions.Options;

namespace Durable.Cluster.Hosting;

/// <summary>Checks the cluster settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        const string s = ClusterOptions.SectionName;
        if (options.Shards is < 1 or > 65536)
            failures.Add($"{s}:{nameof(options.Shards)} is {options.Shards}; it must be between 1 and 65536.");
        if (options.HeartbeatInterval <= TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.HeartbeatInterval)} is {options.HeartbeatInterval}; it must be positive.");
        if (options.LeaseSafetyMargin < TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.LeaseSafetyMargin)} is {options.LeaseSafetyMargin}; it must not be negative.");
        if (options.LeaseTtl < options.HeartbeatInterval * 2 + options.LeaseSafetyMargin)
            failures.Add($"{s}:{nameof(options.LeaseTtl)} is {options.LeaseTtl}; it must be at least twice " +
                $"{nameof(options.HeartbeatInterval)} ({options.HeartbeatInterval}) plus {nameof(options.LeaseSafetyMargin)} ({options.LeaseSafetyMargin}).");
        if (options.MaxSimultaneousHandoffs < 1)
            failures.Add($"{s}:{nameof(options.MaxSimultaneousHandoffs)} is {options.MaxSimultaneousHandoffs}; it must be at least 1.");
        if (options.HandoffTimeout <= TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.HandoffTimeout)} is {options.HandoffTimeout}; it must be positive.");
        if (options.MapRefreshInterval <= TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.MapRefreshInterval)} is {options.MapRefreshInterval}; it must be positive.");
        if (options.Secret is { } secret && secret.Length < 16)
            failures.Add($"{s}:{nameof(options.Secret)} has {secret.Length} characters; it must have at least 16.");
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add($"{s}:{nameof(options.ConnectionString)} is empty and Durable:Storage:Postgres:ConnectionString is not set; " +
                "a cluster needs PostgreSQL (--Durable:Storage:Provider=postgres).");
        if (options.AdvertisedUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
            failures.Add($"{s}:{nameof(options.AdvertisedUrl)} is '{url}'; it must be an absolute http(s) URL.");
        if (options.Port is < 0 or > 65535)
            failures.Add($"{s}:{nameof(options.Port)} is {options.Port}; it must be between 0 (any free port) and 65535.");
        if (string.IsNullOrWhiteSpace(options.Hostname))
            failures.Add($"{s}:{nameof(options.Hostname)} is empty; it must be the address other nodes reach this one at.");
        foreach (var seed in options.SeedNodeList)
            if (!Uri.TryCreate(seed, UriKind.Absolute, out var uri) || uri.Scheme != "akka.tcp" || uri.Port <= 0)
                failures.Add($"{s}:{nameof(options.SeedNodes)} has '{seed}'; a seed node is akka.tcp://durable@host:port.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
