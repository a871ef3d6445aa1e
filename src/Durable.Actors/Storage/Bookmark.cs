using System.Globalization;

namespace Durable.Storage;

/// <summary>
/// Point-in-time bookmarks: <c>{commit time, ms since the Unix epoch, 16 hex digits}-{seq, 16 hex digits}</c>, lowercase.
/// Fixed width, so bookmarks of one object sort by time as plain strings (and by seq within a millisecond).
/// </summary>
internal static class Bookmark
{
    public const int Length = 33;

    public static string Format(JournalPosition position) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, position.Time.ToUnixTimeMilliseconds()):x16}-{position.Seq:x16}");

    public static (long TimeMs, long Seq) Parse(ObjectKey key, string bookmark)
    {
        ArgumentNullException.ThrowIfNull(bookmark);
        if (bookmark.Length != Length || bookmark[16] != '-'
            || !long.TryParse(bookmark.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var time)
            || !long.TryParse(bookmark.AsSpan(17), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var seq)
            || time < 0 || seq < 0)
            throw new PointInTimeUnavailableException(
                $"Object {key}: '{(bookmark.Length <= 40 ? bookmark : bookmark[..40] + "...")}' is not a bookmark (expected 16 hex digits, '-', 16 hex digits).");
        return (time, seq);
    }
}
