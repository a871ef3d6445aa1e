using Durable.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

/// <summary>
/// Runs the node and turns the start-up failures a user can fix into a message on stderr and an exit code, not a stack
/// trace and an abort: an invalid configuration (exit code 2), an address another process listens on (exit code 3).
/// </summary>
public static class NodeStartup
{
    public const int ConfigurationErrorExitCode = 2;
    public const int AddressInUseExitCode = 3;

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
        catch (IOException error) when (error.InnerException is AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"durable: the node did not start: {error.Message} " +
                "Another process listens there; stop it or give the node another address with --urls.");
            return AddressInUseExitCode;
        }
    }

    private static List<string> ConfigurationProblems(Exception error) => error switch
    {
        OptionsValidationException e => e.Failures.ToList(),
        AggregateException e => e.InnerExceptions.SelectMany(ConfigurationProblems).ToList(),
        DurableHoconException e => [e.Message],
        FileNotFoundException e when e.FileName?.EndsWith(".conf", StringComparison.Ordinal) == true || e.Message.Contains(".conf", StringComparison.Ordinal) =>
            [$"{e.Message} (set {NodeConfigurationExtensions.ConfigFileKey} to the HOCON file to use)"],
        _ => [],
    };
}
