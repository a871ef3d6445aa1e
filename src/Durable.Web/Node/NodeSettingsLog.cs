using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Node;

/// <summary>
/// Logs, once at start, every <c>Durable</c> setting in effect after the file, environment and command line were
/// merged, so an operator sees what the node actually runs with. Values of keys naming a secret, password or
/// connection string are masked.
/// </summary>
internal sealed partial class NodeSettingsLog(IConfiguration configuration, ILogger<NodeSettingsLog> logger) : IHostedService
{
    private static readonly string[] Sensitive = ["Secret", "Password", "ConnectionString"];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (logger.IsEnabled(LogLevel.Information)) Log.Settings(logger, Describe(configuration.GetSection("Durable")));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary><c>Objects:IdleTimeout=70s, Storage:Provider=sqlite, ...</c> in key order; sections without values are left out.</summary>
    internal static string Describe(IConfigurationSection section)
    {
        var settings = section.AsEnumerable(makePathsRelative: true)
            .Where(pair => pair.Value is { Length: > 0 })
            .OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase)
            .Select(pair => $"{pair.Key}={(IsSensitive(pair.Key) ? "***" : pair.Value)}");
        return string.Join(", ", settings);
    }

    private static bool IsSensitive(string key) => Sensitive.Any(word => key.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static partial class Log
    {
        [LoggerMessage(Durable.Internal.LogEventIds.NodeConfigured, LogLevel.Information, "Node settings: {Settings}")]
        public static partial void Settings(ILogger logger, string settings);
    }
}
