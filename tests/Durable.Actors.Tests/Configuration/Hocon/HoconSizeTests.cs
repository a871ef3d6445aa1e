using Durable.Configuration.Hocon;

namespace Durable.Actors.Tests.Configuration.Hocon;

public class HoconSizeTests
{
    [Theory]
    [InlineData("512", 512)]
    [InlineData("512B", 512)]
    [InlineData("512 bytes", 512)]
    [InlineData("1KB", 1000)]
    [InlineData("1kB", 1000)]
    [InlineData("2 kilobytes", 2000)]
    [InlineData("1K", 1024)]
    [InlineData("1k", 1024)]
    [InlineData("1KiB", 1024)]
    [InlineData("2 kibibytes", 2048)]
    [InlineData("10MB", 10_000_000)]
    [InlineData("10M", 10_485_760)]
    [InlineData("10 MiB", 10_485_760)]
    [InlineData("1.5GiB", 1_610_612_736)]
    [InlineData("1G", 1_073_741_824)]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("1 TiB", 1_099_511_627_776)]
    [InlineData("1EiB", 1_152_921_504_606_846_976)]
    public void Sizes_parse_decimal_and_binary_units(string text, long bytes)
    {
        Assert.Equal(bytes, HoconSize.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1KB")]
    [InlineData("1 mB")]
    [InlineData("1 XB")]
    [InlineData("8EiB")]
    [InlineData("lots")]
    [InlineData(null)]
    public void Invalid_sizes_are_rejected(string? text)
    {
        Assert.False(HoconSize.TryParse(text, out _));
    }

    [Fact]
    public void Parse_names_the_bad_value()
    {
        Assert.Contains("invalid size '1 XB'", Assert.Throws<FormatException>(() => HoconSize.Parse("1 XB")).Message);
    }
}
