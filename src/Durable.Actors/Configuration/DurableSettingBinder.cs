using System.Globalization;
using System.Reflection;
using Durable.Configuration.Hocon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Durable.Configuration;

/// <summary>
/// Binds one configuration section onto an options object the way our settings are written: durations as HOCON
/// durations ("70s", "500 ms") or TimeSpan text ("00:01:10"), <see cref="long"/> settings also as HOCON sizes
/// ("128KiB"), plus strings, booleans, integers, doubles and enums. A key in the section that names no setting, or a
/// value that does not parse, fails with <see cref="OptionsValidationException"/> whose messages name the key, the
/// value, where it was written (file:line:column when a HOCON file supplied it) and the rule, so a typo stops the node
/// instead of being ignored.
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

    /// <summary>" (at file:line:column)" when a HOCON file supplied the winning value of <paramref name="key"/>.</summary>
    public static string Where(IConfiguration configuration, string key) =>
        configuration is IConfigurationRoot root && root.TryGetHoconSource(key, out var position) ? $" (at {position})" : "";

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
            case TypeCode.Int64 when long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var l) || HoconSize.TryParse(text, out l):
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
            if (HoconDuration.TryParse(text, out var duration) || TimeSpan.TryParse(text, invariant, out duration))
            {
                value = duration;
                return true;
            }
            rule = "not a duration: expected a number with a unit (ns, us, ms, s, m, h, d) such as '70s' or '500 ms', or d.hh:mm:ss";
            return false;
        }
        rule = $"{target.Name} settings cannot be read from configuration";
        return false;
    }
}
