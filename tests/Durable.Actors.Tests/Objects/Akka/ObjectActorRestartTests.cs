namespace Durable.Actors.Tests.Objects.Akka;

/// <summary>
/// The Akka engine over Durable's journal plugin on a SQLite file (the turn, gate and limit specs in Internal/ run on
/// both engines over the test kit's journal): what an object committed is there after the node restarts.
/// </summary>
public class ObjectActorRestartTests
{
    [Fact]
    public async Task Increments_survive_a_restart_of_the_node()
    {
        await using var files = new AkkaKit();
        await using (var first = await files.StartAsync())
        {
            for (var i = 0; i < 5; i++) await first.Stub("counter", "kept").FetchAsync(Kit.Post("/increment")).TextAsync();
        }
        await using var second = await files.StartAsync();

        Assert.Equal("6", await second.Stub("counter", "kept").FetchAsync(Kit.Post("/increment")).TextAsync());
    }
}
