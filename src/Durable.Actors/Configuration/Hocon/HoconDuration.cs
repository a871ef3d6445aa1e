namespace Durable.Configuration.Hocon;

/// <summary>
/// HOCON durations ("70s", "500 ms", "1.5 hours"; a bare number is milliseconds). The configuration keeps the raw
/// string; options validators parse it with <see cref="TryParse"/> and report the key and
/// <c>TryGetHoconSource</c> position when it fails.
/// </summary>
public static class HoconDuration
{
    private const decimal NanosecondsPerTick = 100m;

    public static TimeSpan Parse(string value) =>
        TryParse(value, out var result)
            ? result
            : throw new FormatException(
                $"invalid duration '{value}': expected a number with an optional unit (ns, us, ms, s, m, h, d), e.g. '70s' or '500 ms'");

    public static bool TryParse(string? value, out TimeSpan result)
    {
        result = default;
        if (!HoconUnitValue.TrySplit(value, out var number, out var unit) || NanosecondsPer(unit) is not { } nanos)
        {
            return false;
        }

        try
        {
            var ticks = decimal.Truncate(number * nanos / NanosecondsPerTick);
            if (ticks is > long.MaxValue or < long.MinValue) return false;
            result = TimeSpan.FromTicks((long)ticks);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static decimal? NanosecondsPer(string unit) => unit switch
    {
        "ns" or "nano" or "nanos" or "nanosecond" or "nanoseconds" => 1m,
        "us" or "micro" or "micros" or "microsecond" or "microseconds" => 1_000m,
        "" or "ms" or "milli" or "millis" or "millisecond" or "milliseconds" => 1_000_000m,
        "s" or "second" or "seconds" => 1_000_000_000m,
        "m" or "min" or "mins" or "minute" or "minutes" => 60_000_000_000m,
        "h" or "hour" or "hours" => 3_600_000_000_000m,
        "d" or "day" or "days" => 86_400_000_000_000m,
        _ => null,
    };
}
