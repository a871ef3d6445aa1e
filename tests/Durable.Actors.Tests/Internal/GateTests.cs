using Durable.Hosting;
namespace Durable.Actors.Tests.Internal;

public class GateTests
{
    [Fact]
    public async Task Response_is_held_until_its_writes_are_durable()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "held");
        await stub.FetchAsync(Kit.Get("/")).TextAsync();

        var hold = kit.Journal.HoldAppends();
        var response = stub.FetchAsync(Kit.Post("/increment"));
        await kit.Journal.WaitForAppendsAsync(1).Within("the increment's append to reach storage");

        Assert.False(response.IsCompleted, "the response left before its write was durable");
        hold.Release();
        Assert.Equal("1", await response.TextAsync().Within("the response after the append completed"));
    }

    [Fact]
    public async Task A_read_only_event_waits_behind_writes_made_before_it()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "reader");
        await stub.FetchAsync(Kit.Get("/")).TextAsync();

        var hold = kit.Journal.HoldAppends();
        var write = stub.FetchAsync(Kit.Post("/increment"));
        await kit.Journal.WaitForAppendsAsync(1).Within("the write's append");
        var read = stub.FetchAsync(Kit.Get("/"));

        // The read saw the new value in the cache, so it must not be answered before that value is durable.
        await kit.Probe().WhenCount("counter.fetches", 3).Within("the read's handler to run");
        Assert.False(read.IsCompleted, "a read answered with a value that was not yet durable");
        hold.Release();
        Assert.Equal("1", await read.TextAsync().Within("the read"));
        Assert.Equal("1", await write.TextAsync().Within("the write"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Failed_or_rejected_commit_fails_the_caller_and_the_next_event_sees_the_state_before_the_batch(bool rejected)
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "failing");
        Assert.Equal("1", await stub.FetchAsync(Kit.Post("/increment")).TextAsync());

        if (rejected) kit.Journal.RejectNextAppend();
        else kit.Journal.FailNextAppend();
        var error = await Assert.ThrowsAsync<DurableObjectResetException>(() => stub.FetchAsync(Kit.Post("/increment"))).Within("the reset error");

        Assert.Equal("object_reset", error.Code);
        Assert.True(error.IsRetryable);
        Assert.Contains(rejected ? "Injected append rejection" : "Injected append failure", error.Message);
        Assert.Equal("1", await stub.FetchAsync(Kit.Get("/")).TextAsync().Within("the read after the failed commit"));
        Assert.Equal(2, kit.Probe().Count("counter.instances"));
        Assert.Equal("2", await stub.FetchAsync(Kit.Post("/increment")).TextAsync());
        Assert.Equal(2L, await kit.ReadDurableAsync<long>(stub.Id, "n"));
    }

    [Fact]
    public async Task Failed_commit_of_a_new_objects_first_event_fails_the_caller_with_a_reset()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "first-fails");

        kit.Journal.FailNextAppend();
        await Assert.ThrowsAsync<DurableObjectResetException>(() => stub.FetchAsync(Kit.Post("/increment"))).Within("the reset error");

        Assert.Equal("0", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Event_arriving_while_the_state_is_loading_starts_only_after_the_load()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "loading");

        var hold = kit.Journal.HoldLoads();
        var first = stub.FetchAsync(Kit.Post("/increment"));
        await kit.Journal.WaitForLoadsAsync(1).Within("the activation's load");
        var second = stub.FetchAsync(Kit.Post("/increment"));

        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.Equal(0, kit.Probe().Count("counter.instances"));
        hold.Release();
        Assert.Equal(["1", "2"], (await Task.WhenAll(first.TextAsync(), second.TextAsync()).Within("both increments")).Order());
    }

    [Fact]
    public async Task Event_arriving_during_block_concurrency_starts_only_after_it()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("slowstart", "s");

        var first = stub.FetchAsync(Kit.Get("/"));
        var second = stub.FetchAsync(Kit.Get("/"));
        await kit.Probe().WhenBumped("slowstart.constructed").Within("the constructor");
        // Let the object take everything already sent to it: with the gate open the fetches would run now.
        await kit.AdvanceAsync(TimeSpan.Zero);

        Assert.False(first.IsCompleted);
        Assert.Equal(0, kit.Probe().Count("slowstart.fetches"));
        kit.Probe().Open("slowstart.init");
        Assert.Equal("initialised", await first.TextAsync().Within("first fetch"));
        Assert.Equal("initialised", await second.TextAsync().Within("second fetch"));
    }

    [Fact]
    public async Task Sync_completes_once_the_writes_before_it_are_durable()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("storage", "sync");

        var hold = kit.Journal.HoldAppends();
        var response = stub.FetchAsync(Kit.Post("/sync"));
        await kit.Journal.WaitForAppendsAsync(1).Within("the append");
        Assert.False(response.IsCompleted);
        hold.Release();

        Assert.Equal("synced", await response.TextAsync().Within("sync"));
        Assert.Equal(1, await kit.ReadDurableAsync<int>(stub.Id, "s"));
    }
}
