namespace Durable.Storage;

/// <summary>
/// Orders strings by their UTF-8 bytes (the order of SQLite's BINARY collation and PostgreSQL's "C" collation),
/// without encoding them. UTF-16 code-unit order differs from code-point order only where a surrogate (U+D800–U+DFFF)
/// meets a unit in U+E000–U+FFFF; shifting those two ranges past each other gives code-point order, which is UTF-8 order.
/// </summary>
public sealed class Utf8KeyComparer : IComparer<string>
{
    public static readonly Utf8KeyComparer Instance = new();

    private Utf8KeyComparer()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b) continue;
            return Fix(a) - Fix(b);
        }
        return x.Length - y.Length;
    }

    private static int Fix(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
