using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Durable.Configuration.Hocon;

/// <summary>
/// Turns the resolved tree into configuration keys: <c>a.b</c> becomes <c>a:b</c>, array items <c>a:0</c>.
/// Empty objects and arrays keep their key with a null value so the section still exists (as the JSON
/// provider does).
/// </summary>
internal static class HoconFlattener
{
    public static HoconFlatConfiguration Flatten(HoconObject root)
    {
        var result = new HoconFlatConfiguration(
            new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, HoconPosition>(StringComparer.OrdinalIgnoreCase));
        foreach (var (key, value) in root.Fields) Visit(result, key, value);
        return result;
    }

    private static void Visit(HoconFlatConfiguration result, string key, HoconNode node)
    {
        switch (node)
        {
            case HoconObject { Fields.Count: 0 }:
            case HoconArray { Items.Count: 0 }:
                Set(result, key, null, node.Position);
                break;
            case HoconObject obj:
                foreach (var (child, value) in obj.Fields) Visit(result, ConfigurationPath.Combine(key, child), value);
                break;
            case HoconArray array:
                for (var i = 0; i < array.Items.Count; i++)
                {
                    Visit(result, ConfigurationPath.Combine(key, i.ToString(CultureInfo.InvariantCulture)), array.Items[i]);
                }

                break;
            case HoconScalar scalar:
                Set(result, key, scalar.Text, scalar.Position);
                break;
        }
    }

    private static void Set(HoconFlatConfiguration result, string key, string? value, HoconPosition position)
    {
        if (result.Data.ContainsKey(key))
        {
            // HOCON keys are case-sensitive, configuration keys are not; picking one silently would hide a typo.
            var other = result.Data.Keys.First(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            throw new HoconParseException(position,
                $"configuration key '{key}' collides with '{other}' (defined at {result.Sources[other]}); configuration keys are case-insensitive");
        }

        result.Data[key] = value;
        result.Sources[key] = position;
    }
}
