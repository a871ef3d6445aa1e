using Microsoft.Extensions.Configuration;

namespace Durable.Web.Node;

public static class NodeConfigurationExtensions
{
    /// <summary>The key naming the HOCON file (set by environment or command line); default <see cref="DefaultConfigFile"/>.</summary>
    public const string ConfigFileKey = "Durable:ConfigFile";

    /// <summary>The address the node listens on unless <c>urls</c> / <c>--urls</c> say otherwise.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8787";

    /// <summary><c>hocon/durable.conf</c> next to the program (the build copies it there).</summary>
    public static string DefaultConfigFile => Path.Combine(AppContext.BaseDirectory, "hocon", "durable.conf");

    /// <summary>
    /// The node's settings in precedence order, later wins: built-in defaults &lt; the HOCON file (read by Akka's
    /// parser, see <see cref="Durable.Configuration.DurableHoconFile"/>) &lt; environment (<c>Durable__X__Y</c>) &lt;
    /// command line (<c>--Durable:X:Y=v</c>). A file that cannot be read throws
    /// <see cref="Durable.Configuration.DurableHoconException"/> naming it (and line and column when Akka's parser gives
    /// them); the parsed document stays reachable through <c>GetDurableHoconFile()</c> for the actor system.
    /// </summary>
    public static ConfigurationManager AddDurableNodeConfiguration(this ConfigurationManager configuration, string[] args)
    {
        var overrides = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var file = Path.GetFullPath(overrides[ConfigFileKey] ?? DefaultConfigFile);
        configuration.AddInMemoryCollection([new("urls", DefaultUrls)]);
        configuration.AddDurableHoconFile(file);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
        return configuration;
    }
}
