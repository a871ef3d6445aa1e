namespace Durable.Web.Tests.Samples;

public class CounterSpecs
{
    [Fact]
    public async Task New_counter_reads_zero_and_increments_by_one_by_default()
    {
        await using var kit = await SampleKit.StartAsync();

        Assert.Equal((200, "0"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/"));
        Assert.Equal((200, "1"), await kit.CallAsync("counter", "a", HttpMethod.Post, "/increment"));
        Assert.Equal((200, "6"), await kit.CallAsync("counter", "a", HttpMethod.Post, "/increment?by=5"));
        Assert.Equal((200, "4"), await kit.CallAsync("counter", "a", HttpMethod.Post, "/increment?by=-2"));
        Assert.Equal((200, "4"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/"));
        Assert.Equal((200, "0"), await kit.CallAsync("counter", "b", HttpMethod.Get, "/"));
    }

    [Theory]
    [InlineData("/increment?by=x")]
    [InlineData("/increment?by=1.5")]
    [InlineData("/increment?by=99999999999999999999")]
    [InlineData("/increment?by=%FF")]
    public async Task Non_integer_increment_is_a_bad_request(string path)
    {
        await using var kit = await SampleKit.StartAsync();

        var (status, body) = await kit.CallAsync("counter", "a", HttpMethod.Post, path);

        Assert.Equal(400, status);
        Assert.Contains("\"code\":\"bad_request\"", body);
        Assert.Equal((200, "0"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/"));
    }

    [Fact]
    public async Task Increment_past_the_largest_integer_is_a_bad_request_and_changes_nothing()
    {
        await using var kit = await SampleKit.StartAsync();
        await kit.CallAsync("counter", "a", HttpMethod.Post, $"/increment?by={long.MaxValue}");

        var (status, _) = await kit.CallAsync("counter", "a", HttpMethod.Post, "/increment");

        Assert.Equal(400, status);
        Assert.Equal((200, long.MaxValue.ToString()), await kit.CallAsync("counter", "a", HttpMethod.Get, "/"));
    }

    [Fact]
    public async Task Delete_clears_the_counter_and_answers_no_content()
    {
        await using var kit = await SampleKit.StartAsync();
        await kit.CallAsync("counter", "a", HttpMethod.Post, "/increment?by=3");

        Assert.Equal(204, (await kit.CallAsync("counter", "a", HttpMethod.Delete, "/")).Status);

        Assert.Equal((200, "0"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/"));
        Assert.Empty(await kit.ReadDurableKeysAsync(kit.IdFromName("counter", "a")));
    }

    [Fact]
    public async Task Value_survives_passivation()
    {
        await using var kit = await SampleKit.StartAsync();
        await kit.CallAsync("counter", "a", HttpMethod.Post, "/increment?by=7");

        await kit.AdvanceAsync(TimeSpan.FromMinutes(2));

        Assert.False(kit.IsActive(kit.IdFromName("counter", "a")));
        Assert.Equal((200, "7"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/"));
    }

    [Fact]
    public async Task Alarm_set_over_http_fires_once_at_its_time_and_counts()
    {
        await using var kit = await SampleKit.StartAsync();
        var expected = kit.Clock.GetUtcNow().AddMilliseconds(1500).ToUnixTimeMilliseconds();

        Assert.Equal((202, $"{{\"scheduledTime\":{expected}}}"), await kit.CallAsync("counter", "a", HttpMethod.Post, "/alarm?ms=1500"));
        await kit.AdvanceAsync(TimeSpan.FromMilliseconds(1499));
        Assert.Equal((200, "0"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/alarms"));
        await kit.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal((200, "1"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/alarms"));
        await kit.AdvanceAsync(TimeSpan.FromMinutes(10));
        Assert.Equal((200, "1"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/alarms"));
    }

    [Theory]
    [InlineData("/alarm")]
    [InlineData("/alarm?ms=soon")]
    [InlineData("/alarm?ms=-5")]
    public async Task Alarm_without_a_valid_delay_is_a_bad_request(string path)
    {
        await using var kit = await SampleKit.StartAsync();

        Assert.Equal(400, (await kit.CallAsync("counter", "a", HttpMethod.Post, path)).Status);
    }

    [Fact]
    public async Task Delete_also_cancels_the_alarm()
    {
        await using var kit = await SampleKit.StartAsync();
        await kit.CallAsync("counter", "a", HttpMethod.Post, "/alarm?ms=1000");

        await kit.CallAsync("counter", "a", HttpMethod.Delete, "/");
        await kit.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.Equal((200, "0"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/alarms"));
    }

    [Fact]
    public async Task Alarm_count_starts_at_zero_and_unknown_routes_are_not_found()
    {
        await using var kit = await SampleKit.StartAsync();

        Assert.Equal((200, "0"), await kit.CallAsync("counter", "a", HttpMethod.Get, "/alarms"));
        Assert.Equal(404, (await kit.CallAsync("counter", "a", HttpMethod.Get, "/nope")).Status);
        Assert.Equal(405, (await kit.CallAsync("counter", "a", HttpMethod.Put, "/increment")).Status);
    }
}
