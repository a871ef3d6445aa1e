using Durable.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Microsoft.Extensions.Configuration;

/// <summary>HOCON files read by Akka's parser as configuration sources; see <see cref="DurableHoconConfigurationSource"/>.</summary>
public static class DurableHoconConfigurationExtensions
{
    public static IConfigurationBuilder AddDurableHoconFile(this IConfigurationBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(DurableHoconConfigurationSource.FromFile(path));
    }

    public static IConfigurationBuilder AddDurableHoconString(this IConfigurationBuilder builder, string text, string name = "hocon-string")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(DurableHoconConfigurationSource.FromText(text, name));
    }

    /// <summary>The HOCON document loaded last into <paramref name="configuration"/> (the node's file), if any.</summary>
    public static DurableHoconFile? GetDurableHoconFile(this IConfiguration configuration) =>
        (configuration as IConfigurationRoot)?.Providers.OfType<DurableHoconConfigurationProvider>().LastOrDefault()?.File;

    /// <summary>
    /// Where the winning value of <paramref name="key"/> was set: "the file /x/node.conf", "the environment",
    /// "the command line"; null when another kind of source (defaults in code) set it.
    /// </summary>
    public static string? DescribeSource(this IConfiguration configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration is not IConfigurationRoot root) return null;
        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _)) continue;
            return provider switch
            {
                DurableHoconConfigurationProvider { File: { } file } => file.Files.Count == 1
                    ? $"the file {file.Path}"
                    : $"the file {file.Path} or a file it includes ({string.Join(", ", file.Files.Skip(1))})",
                EnvironmentVariablesConfigurationProvider => "the environment",
                CommandLineConfigurationProvider => "the command line",
                _ => null,
            };
        }

        return null;
    }
}
