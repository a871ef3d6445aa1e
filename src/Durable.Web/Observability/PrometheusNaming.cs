namespace Durable.Web.Observability;

/// <summary>Maps instrument names and units onto Prometheus metric and label names.</summary>
internal static class PrometheusNaming
{
    private static readonly Dictionary<string, string> UnitSuffixes = new(StringComparer.Ordinal)
    {
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
    };

    /// <summary>
    /// The family name: sanitized, with the unit's suffix ("s" → "_seconds", "By" → "_bytes"), and for counters
    /// ending "_total". Annotation units such as "{batch}" add nothing.
    /// </summary>
    public static string MetricName(string instrumentName, string? unit, MetricType type)
    {
        var name = SanitizeMetricName(instrumentName);
        var isCounter = type == MetricType.Counter;
        // "_total" must stay last, so take it off before appending the unit.
        if (isCounter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        if (unit is not null && UnitSuffixes.TryGetValue(unit, out var suffix)
            && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }

        return isCounter ? name + "_total" : name;
    }

    /// <summary>Replaces every character outside [a-zA-Z0-9_:] with '_' and keeps a digit from leading.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>Label names follow the same rule without ':', which Prometheus reserves for metric names.</summary>
    public static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var needsPrefix = char.IsAsciiDigit(name[0]);
        var clean = true;
        foreach (var c in name)
        {
            clean &= IsValid(c, allowColon);
        }

        if (clean && !needsPrefix)
        {
            return name;
        }

        return string.Create(name.Length + (needsPrefix ? 1 : 0), (name, needsPrefix, allowColon), static (span, s) =>
        {
            var offset = 0;
            if (s.needsPrefix)
            {
                span[0] = '_';
                offset = 1;
            }

            for (var i = 0; i < s.name.Length; i++)
            {
                var c = s.name[i];
                span[i + offset] = IsValid(c, s.allowColon) ? c : '_';
            }
        });
    }

    private static bool IsValid(char c, bool allowColon) =>
        char.IsAsciiLetter(c) || char.IsAsciiDigit(c) || c == '_' || (allowColon && c == ':');
}
