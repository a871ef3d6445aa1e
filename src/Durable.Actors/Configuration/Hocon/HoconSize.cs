namespace Durable.Configuration.Hocon;

/// <summary>
/// HOCON sizes in bytes ("512K", "10 MB", "1.5GiB"; a bare number is bytes). Per the spec, decimal units
/// (kB/KB, MB, GB, ...) are powers of 1000; binary ones (K, Ki, KiB, M, MiB, ...) powers of 1024. Unit names
/// are case-sensitive except that both kB and KB mean 1000.
/// </summary>
public static class HoconSize
{
    public static long Parse(string value) =>
        TryParse(value, out var result)
            ? result
            : throw new FormatException(
                $"invalid size '{value}': expected a non-negative number of bytes with an optional unit (B, KB, KiB, K, MB, MiB, M, GB, GiB, G, ...), e.g. '64 MiB'");

    public static bool TryParse(string? value, out long bytes)
    {
        bytes = 0;
        if (!HoconUnitValue.TrySplit(value, out var number, out var unit) || number < 0 || BytesPer(unit) is not { } factor)
        {
            return false;
        }

        try
        {
            var total = decimal.Truncate(number * factor);
            if (total > long.MaxValue) return false;
            bytes = (long)total;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static decimal? BytesPer(string unit) => unit switch
    {
        "" or "B" or "b" or "byte" or "bytes" => 1m,
        "kB" or "KB" or "kilobyte" or "kilobytes" => Decimal(1),
        "K" or "k" or "Ki" or "KiB" or "kibibyte" or "kibibytes" => Binary(1),
        "MB" or "megabyte" or "megabytes" => Decimal(2),
        "M" or "m" or "Mi" or "MiB" or "mebibyte" or "mebibytes" => Binary(2),
        "GB" or "gigabyte" or "gigabytes" => Decimal(3),
        "G" or "g" or "Gi" or "GiB" or "gibibyte" or "gibibytes" => Binary(3),
        "TB" or "terabyte" or "terabytes" => Decimal(4),
        "T" or "t" or "Ti" or "TiB" or "tebibyte" or "tebibytes" => Binary(4),
        "PB" or "petabyte" or "petabytes" => Decimal(5),
        "P" or "p" or "Pi" or "PiB" or "pebibyte" or "pebibytes" => Binary(5),
        "EB" or "exabyte" or "exabytes" => Decimal(6),
        "E" or "e" or "Ei" or "EiB" or "exbibyte" or "exbibytes" => Binary(6),
        _ => null,
    };

    private static decimal Decimal(int power) => Enumerable.Repeat(1000m, power).Aggregate(1m, (a, b) => a * b);

    private static decimal Binary(int power) => Enumerable.Repeat(1024m, power).Aggregate(1m, (a, b) => a * b);
}
