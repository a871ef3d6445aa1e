using System.Globalization;
using System.Reflection;
using Akka.Configuration.Hocon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Durable.Configuration;

/// <summary>
/// Binds one configuration section onto an options object the way our settings are written: durations as HOCON
/// durations ("70s", "500 ms") or TimeSpan text ("00:01:10"), <see cref="long"/> settings also as HOCON sizes
/// ("128KiB"), plus strings, booleans, integers, doubles and enums. Durations and sizes are read by Akka's HOCON
/// (<see cref="HoconValue.GetTimeSpan"/>, <see cref="HoconValue.GetByteSize"/>), whichever source the text came from.
/// A key in the section that names no setting, or a value that does not parse, fails with
/// <see cref="OptionsValidationException"/> whose messages name the key, the value, where it came from (the HOCON file,
/// the environment or the command line) and the rule, so a typo stops the node instead of being ignored.
/// </summary>
public static class DurableSettingBinder
{
    /// <summary>Binds <paramref name="section"/> of <paramref name="configuration"/> onto <paramref name="options"/>.</summary>
    public static void Bind<TOptions>(IConfiguration configuration, string section, TOptions options) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            var property = typeof(TOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is not { CanWrite: true } || !IsScalar(property.PropertyType))
            {
                // Subsections belong to their own options (Durable:Storage:Sqlite next to Durable:Storage:Provider).
                if (child.Value is null && property is null && child.GetChildren().Any()) continue;
                failures.Add($"{child.Path}{Where(configuration, child.Path)} is not a setting of {section}; "
                    + $"the settings are {string.Join(", ", Settings(typeof(TOptions)))}.");
                continue;
            }
            if (child.Value is null) continue;
            if (TryConvert(child.Value, property.PropertyType, out var value, out var rule)) property.SetValue(options, value);
            else failures.Add($"{child.Path} = '{child.Value}'{Where(configuration, child.Path)}: {rule}.");
        }
        if (failures.Count > 0) throw new OptionsValidationException(section, typeof(TOptions), failures);
    }

    /// <summary>Registers <see cref="Bind"/> of <paramref name="section"/> from the container's configuration.</summary>
    public static OptionsBuilder<TOptions> BindDurableSection<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class =>
        builder.Configure<IServiceProvider>((options, services) =>
        {
            if (services.GetService(typeof(IConfiguration)) is IConfiguration configuration) Bind(configuration, section, options);
        });

    /// <summary>" (from the file /x/node.conf)", " (from the environment)"... for the winning value of <paramref name="key"/>.</summary>
    public static string Where(IConfiguration configuration, string key) =>
        configuration.DescribeSource(key) is { } source ? $" (from {source})" : "";

    private static IEnumerable<string> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && IsScalar(p.PropertyType))
            .Select(p => p.Name);

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long)
            || type == typeof(double) || type == typeof(TimeSpan) || type.IsEnum;
    }

    private static bool TryConvert(string text, Type type, out object? value, out string rule)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        value = null;
        rule = "";
        if (target != typeof(string) && text.Length == 0 && target != type) return true;
        var invariant = CultureInfo.InvariantCulture;
        if (target.IsEnum)
        {
            if (Enum.TryParse(target, text, ignoreCase: true, out var member) && Enum.IsDefined(target, member!))
            {
                value = member;
                return true;
            }
            rule = $"expected one of {string.Join(", ", Enum.GetNames(target))}";
            return false;
        }
        switch (Type.GetTypeCode(target))
        {
            case TypeCode.String:
                value = text;
                return true;
            case TypeCode.Boolean when bool.TryParse(text, out var b):
                value = b;
                return true;
            case TypeCode.Boolean:
                rule = "expected true or false";
                return false;
            case TypeCode.Int32 when int.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var i):
                value = i;
                return true;
            case TypeCode.Int32:
                rule = $"expected a whole number between {int.MinValue} and {int.MaxValue}";
                return false;
            case TypeCode.Int64 when long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var l) || TryParseSize(text, out l):
                value = l;
                return true;
            case TypeCode.Int64:
                rule = "expected a whole number or a size such as '128KiB' or '16 MB'";
                return false;
            case TypeCode.Double when double.TryParse(text, NumberStyles.Float, invariant, out var d):
                value = d;
                return true;
            case TypeCode.Double:
                rule = "expected a number";
                return false;
        }
        if (target == typeof(TimeSpan))
        {
            if (TryParseDuration(text, out var duration) || TimeSpan.TryParse(text, invariant, out duration))
            {
                value = duration;
                return true;
            }
            rule = "not a duration: expected a number with a unit (ns, micros, ms, s, m, h, d) such as '70s' or '500 ms', or d.hh:mm:ss";
            return false;
        }
        rule = $"{target.Name} settings cannot be read from configuration";
        return false;
    }

    /// <summary>A HOCON duration as Akka reads one ("70s", "500 ms", "2 minutes"; a bare number is milliseconds).</summary>
    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Equals("infinite", StringComparison.OrdinalIgnoreCase)) return false; // no setting means "never"
        try
        {
            duration = Literal(text).GetTimeSpan(allowInfinite: false);
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A HOCON size as Akka reads one ("128KiB", "16 MB", "1GB" decimal).</summary>
    private static bool TryParseSize(string text, out long size)
    {
        size = 0;
        try
        {
            if (Literal(text).GetByteSize() is not { } bytes || bytes < 0) return false;
            // Akka multiplies the count by the unit unchecked ("17EiB" wraps around to 1EiB): the unit alone, times the
            // count, must give the same number.
            var digits = text.TrimEnd().LastIndexOfAny("0123456789".ToCharArray()) + 1;
            var unit = Literal("1" + text[digits..]).GetByteSize() ?? 1;
            if (bytes / unit != long.Parse(text.AsSpan(0, digits).Trim(), CultureInfo.InvariantCulture)) return false;
            size = bytes;
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    private static HoconValue Literal(string text)
    {
        var value = new HoconValue();
        value.AppendValue(new HoconLiteral { Value = text });
        return value;
    }
}
