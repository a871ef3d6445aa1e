using Durable.Configuration.Hocon;

namespace Durable.Actors.Tests.Configuration.Hocon;

public class HoconDurationTests
{
    [Theory]
    [InlineData("70s", 70_000)]
    [InlineData("70 seconds", 70_000)]
    [InlineData("1 second", 1_000)]
    [InlineData("250", 250)]
    [InlineData("250ms", 250)]
    [InlineData("250 millis", 250)]
    [InlineData("250 milliseconds", 250)]
    [InlineData("2m", 120_000)]
    [InlineData("2min", 120_000)]
    [InlineData("2 minutes", 120_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("1 hour", 3_600_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1 day", 86_400_000)]
    [InlineData("  5 s  ", 5_000)]
    [InlineData("-1s", -1_000)]
    public void Durations_parse_with_long_and_short_unit_names(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), HoconDuration.Parse(text));
    }

    [Theory]
    [InlineData("1500ns", 15)]
    [InlineData("3 nanoseconds", 0)]
    [InlineData("1us", 10)]
    [InlineData("7 micros", 70)]
    [InlineData("2 microseconds", 20)]
    public void Sub_millisecond_durations_truncate_to_ticks(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), HoconDuration.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("5 fortnights")]
    [InlineData("5S")]
    [InlineData("1e3s")]
    [InlineData("five seconds")]
    [InlineData("99999999999999999999 days")]
    [InlineData(null)]
    public void Invalid_durations_are_rejected(string? text)
    {
        Assert.False(HoconDuration.TryParse(text, out _));
    }

    [Fact]
    public void Parse_names_the_bad_value()
    {
        var error = Assert.Throws<FormatException>(() => HoconDuration.Parse("x"));

        Assert.Contains("invalid duration 'x'", error.Message);
    }
}
