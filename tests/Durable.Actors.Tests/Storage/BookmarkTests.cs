using Durable.Storage;

namespace Durable.Actors.Tests.Storage;

public sealed class BookmarkTests
{
    [Fact]
    public void Bookmarks_are_fixed_width_and_sort_by_time_then_seq()
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var a = Bookmark.Format(new JournalPosition(900, t));
        var b = Bookmark.Format(new JournalPosition(5, t.AddMilliseconds(1)));
        var c = Bookmark.Format(new JournalPosition(6, t.AddMilliseconds(1)));
        Assert.Equal(Bookmark.Length, a.Length);
        Assert.True(string.CompareOrdinal(a, b) < 0 && string.CompareOrdinal(b, c) < 0);
        Assert.Equal((t.ToUnixTimeMilliseconds(), 900L), Bookmark.Parse(new ObjectKey("n", "i"), a));
        Assert.Equal("0000000000000000-0000000000000000", Bookmark.Format(JournalPosition.Start));
    }
}
