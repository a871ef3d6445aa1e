using Microsoft.Extensions.Options;

namespace Durable.Cluster.Hosting;

/// <summary>Checks the cluster settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        const string s = ClusterOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add($"{s}:{nameof(options.ConnectionString)} is empty and Durable:Storage:Postgres:ConnectionString is not set; " +
                "a cluster needs PostgreSQL (--Durable:Storage:Provider=postgres).");
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
