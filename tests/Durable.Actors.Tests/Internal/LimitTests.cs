using Durable.Hosting;
namespace Durable.Actors.Tests.Internal;

public class LimitTests
{
    [Fact]
    public async Task Object_queue_past_its_limit_refuses_with_overloaded()
    {
        await using var kit = await Kit.StartAsync(o => o.MaxQueuedEventsPerObject = 2);
        var stub = kit.Stub("counter", "full");
        var first = stub.FetchAsync(Kit.Get("/block"));
        var second = stub.FetchAsync(Kit.Get("/block"));

        var error = await Assert.ThrowsAsync<OverloadedException>(() => stub.FetchAsync(Kit.Get("/")));

        Assert.Equal("overloaded", error.Code);
        Assert.True(error.IsRetryable);
        Assert.Equal(stub.Id, error.ObjectId);
        kit.Probe().Open("counter.block");
        await Task.WhenAll(first, second).Within("the queued fetches");
        Assert.Equal("0", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Node_in_flight_limit_refuses_with_overloaded_across_objects()
    {
        await using var kit = await Kit.StartAsync(o => o.MaxInFlightEventsPerNode = 3);
        var blocked = Enumerable.Range(0, 3).Select(i => kit.Stub("counter", $"n{i}").FetchAsync(Kit.Get("/block"))).ToArray();

        var error = await Assert.ThrowsAsync<OverloadedException>(() => kit.Stub("counter", "n3").FetchAsync(Kit.Get("/")));

        Assert.Contains("MaxInFlightEventsPerNode", error.Message);
        kit.Probe().Open("counter.block");
        await Task.WhenAll(blocked).Within("the blocked fetches");
        Assert.Equal("0", await kit.Stub("counter", "n3").FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Event_past_its_deadline_fails_with_deadline_exceeded()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "slow");
        var blocked = stub.FetchAsync(Kit.Get("/block"));
        await kit.Probe().WhenCount("counter.fetches", 1).Within("the fetch to start");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.False(blocked.IsCompleted, "failed before its 30 s deadline");
        await kit.AdvanceAsync(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<DeadlineExceededException>(() => blocked).Within("the deadline error");
        Assert.Equal("deadline_exceeded", error.Code);
        Assert.Contains(stub.Id.ToString(), error.Message);
    }

    [Fact]
    public async Task Queued_event_past_its_deadline_fails_without_running()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "queue-deadline");
        var blocked = stub.FetchAsync(Kit.Get("/block"));
        await kit.Probe().WhenCount("counter.fetches", 1).Within("the first fetch to start");
        var hold = kit.Journal.HoldAppends();
        var queued = stub.FetchAsync(Kit.Post("/increment"));

        await kit.AdvanceAsync(TimeSpan.FromSeconds(31));

        await Assert.ThrowsAsync<DeadlineExceededException>(() => blocked).Within("first deadline");
        await Assert.ThrowsAsync<DeadlineExceededException>(() => queued).Within("second deadline");
        hold.Release();
        kit.Probe().Open("counter.block");
    }
}
