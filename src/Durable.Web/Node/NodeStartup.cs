using Durable.Configuration.Hocon;
using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

/// <summary>Runs the node and turns a configuration error into a message on stderr and exit code 2 (not a stack trace).</summary>
public static class NodeStartup
{
    public const int ConfigurationErrorExitCode = 2;

    public static async Task<int> RunAsync(Func<Task> node)
    {
        try
        {
            await node();
            return 0;
        }
        catch (Exception error) when (ConfigurationProblems(error) is { Count: > 0 } problems)
        {
            await Console.Error.WriteLineAsync("durable: the node did not start because its configuration is invalid:");
            foreach (var problem in problems) await Console.Error.WriteLineAsync($"  - {problem}");
            return ConfigurationErrorExitCode;
        }
    }

    private static List<string> ConfigurationProblems(Exception error) => error switch
    {
        OptionsValidationException e => e.Failures.ToList(),
        AggregateException e => e.InnerExceptions.SelectMany(ConfigurationProblems).ToList(),
        InvalidDataException { InnerException: HoconParseException e } => [e.Message],
        FileNotFoundException e when e.FileName?.EndsWith(".conf", StringComparison.Ordinal) == true || e.Message.Contains(".conf", StringComparison.Ordinal) =>
            [$"{e.Message} (set {NodeConfigurationExtensions.ConfigFileKey} to the HOCON file to use)"],
        _ => [],
    };
}
