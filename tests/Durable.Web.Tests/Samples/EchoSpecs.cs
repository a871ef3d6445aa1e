namespace Durable.Web.Tests.Samples;

public class EchoSpecs
{
    [Fact]
    public async Task Echo_answers_ok_without_writing_anything()
    {
        await using var kit = await SampleKit.StartAsync();

        Assert.Equal((200, "ok"), await kit.CallAsync("echo", "a", HttpMethod.Get, "/"));
        Assert.Equal(0, kit.Journal.AppendCount);
        Assert.Equal(404, (await kit.CallAsync("echo", "a", HttpMethod.Get, "/other")).Status);
    }
}
