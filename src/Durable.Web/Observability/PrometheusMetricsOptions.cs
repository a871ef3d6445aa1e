using Microsoft.Extensions.Options;

namespace Durable.Web.Observability;

/// <summary>What the <c>/metrics</c> endpoint exports. Bound from <c>Durable:Metrics</c>.</summary>
public sealed class PrometheusMetricsOptions
{
    /// <summary>Seconds, for latencies from half a millisecond to ten seconds.</summary>
    public static IReadOnlyList<double> DefaultLatencyBoundaries { get; } =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Instruments are exported when their meter's name starts with this (ordinal). Default "Durable".</summary>
    public string MeterPrefix { get; set; } = "Durable";

    /// <summary>
    /// Bucket upper bounds for histograms created without <c>InstrumentAdvice.HistogramBucketBoundaries</c>;
    /// null means <see cref="DefaultLatencyBoundaries"/>. Strictly increasing, finite.
    /// </summary>
    public double[]? HistogramBoundaries { get; set; }

    /// <summary>Distinct tag sets kept per instrument before new ones fold into an overflow series. Default 2000.</summary>
    public int MaxSeriesPerInstrument { get; set; } = 2000;
}

internal sealed class PrometheusMetricsOptionsValidator : IValidateOptions<PrometheusMetricsOptions>
{
    private const string Section = "Durable:Metrics";

    public ValidateOptionsResult Validate(string? name, PrometheusMetricsOptions options)
    {
        var failures = new List<string>();
        if (options.MeterPrefix is null)
        {
            failures.Add($"{Section}:MeterPrefix is null; it must be a string (empty exports every meter).");
        }

        if (options.MaxSeriesPerInstrument < 1)
        {
            failures.Add($"{Section}:MaxSeriesPerInstrument is {options.MaxSeriesPerInstrument}; it must be at least 1.");
        }

        if (options.HistogramBoundaries is { } bounds && BoundariesError(bounds) is { } error)
        {
            failures.Add($"{Section}:HistogramBoundaries is [{string.Join(", ", bounds)}]; {error}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static string? BoundariesError(IReadOnlyList<double> bounds)
    {
        if (bounds.Count == 0)
        {
            return "it must hold at least one bound";
        }

        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]))
            {
                return $"bound {bounds[i]} at index {i} must be finite (+Inf is always added)";
            }

            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                return $"bound {bounds[i]} at index {i} must be greater than {bounds[i - 1]}";
            }
        }

        return null;
    }
}
