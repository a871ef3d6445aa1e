using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Durable.Web.Tests.Observability;

/// <summary>One metric family as the Prometheus client's parser read it: name (counters without "_total"), type, samples.</summary>
internal sealed record ParsedFamily(string Name, string Type, IReadOnlyList<ParsedSample> Samples);

internal sealed record ParsedSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads a scrape with Prometheus' own tools, installed by scripts/prepare-prometheus-tools.sh: the Python client's
/// exposition parser (Debian's python3-prometheus-client, under /usr/bin/python3) and <c>promtool check metrics</c>.
/// </summary>
internal static class PrometheusTools
{
    private const string Python = "/usr/bin/python3";

    private const string ParseScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = [{"name": f.name, "type": f.type,
                     "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
                    for f in text_string_to_metric_families(sys.stdin.read())]
        json.dump(families, sys.stdout)
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The families of <paramref name="exposition"/>, by name; the parser's error fails the test.</summary>
    public static async Task<IReadOnlyDictionary<string, ParsedFamily>> ParseAsync(string exposition)
    {
        var (exit, output, errors) = await RunAsync(Python, ["-c", ParseScript], exposition);
        Assert.True(exit == 0, $"prometheus_client's parser rejected the scrape, or is missing (scripts/prepare-prometheus-tools.sh installs it); exit {exit}: {errors}\n{exposition}");
        var families = JsonSerializer.Deserialize<List<ParsedFamily>>(output, Json)!;
        return families.ToDictionary(f => f.Name);
    }

    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="exposition"/>: its exit code and what it reported.</summary>
    public static async Task<(int ExitCode, string Report)> CheckAsync(string exposition)
    {
        var (exit, output, errors) = await RunAsync("promtool", ["check", "metrics"], exposition);
        return (exit, output + errors);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, string[] args, string input)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is missing: run scripts/prepare-prometheus-tools.sh (scripts/test.sh sources it).", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within 60 s");
            }

            return (process.ExitCode, await output, await errors);
        }
    }
}
