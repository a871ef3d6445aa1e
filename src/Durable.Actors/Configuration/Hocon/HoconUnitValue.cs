using System.Globalization;

namespace Durable.Configuration.Hocon;

/// <summary>Splits "1.5 GiB" into 1.5 and "GiB": a decimal number, optional whitespace, then a unit of letters.</summary>
internal static class HoconUnitValue
{
    public static bool TrySplit(string? text, out decimal number, out string unit)
    {
        number = 0;
        unit = "";
        if (text is null) return false;
        var s = text.Trim();
        var end = 0;
        if (end < s.Length && s[end] is '-' or '+') end++;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.')) end++;
        unit = s[end..].TrimStart();
        return unit.All(char.IsAsciiLetter)
            && decimal.TryParse(s[..end], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out number);
    }
}
