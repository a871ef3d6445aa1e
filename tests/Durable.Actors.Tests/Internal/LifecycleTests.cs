using Durable.Hosting;

namespace Durable.Actors.Tests.Internal;

public class LifecycleTests
{
    [Fact]
    public async Task Idle_object_is_passivated_after_the_idle_timeout_and_recovers_its_state()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "sleepy");
        await stub.FetchAsync(Kit.Post("/increment")).TextAsync();
        await stub.FetchAsync(Kit.Post("/increment")).TextAsync();

        await kit.AdvanceAsync(TimeSpan.FromSeconds(69));
        Assert.True(kit.IsActive(stub.Id), "passivated before the 70 s idle timeout");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.False(kit.IsActive(stub.Id), "still active 71 s after its last event");

        Assert.Equal("3", await stub.FetchAsync(Kit.Post("/increment")).TextAsync());
        Assert.Equal(2, kit.Probe().Count("counter.instances"));
        Assert.Equal(2, kit.Journal.LoadCount);
    }

    [Fact]
    public async Task Each_event_restarts_the_idle_countdown()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "busy");

        for (var i = 0; i < 5; i++)
        {
            await stub.FetchAsync(Kit.Get("/")).TextAsync();
            await kit.AdvanceAsync(TimeSpan.FromSeconds(60));
        }

        Assert.True(kit.IsActive(stub.Id));
        Assert.Equal(1, kit.Probe().Count("counter.instances"));
    }

    [Fact]
    public async Task Object_with_an_event_in_flight_is_not_passivated()
    {
        await using var kit = await Kit.StartAsync(o => o.EventDeadline = TimeSpan.FromMinutes(10));
        var stub = kit.Stub("counter", "working");

        var blocked = stub.FetchAsync(Kit.Get("/block"));
        await kit.Probe().WhenCount("counter.fetches", 1).Within("the blocking fetch to start");
        await kit.AdvanceAsync(TimeSpan.FromSeconds(200));

        Assert.True(kit.IsActive(stub.Id));
        kit.Probe().Open("counter.block");
        Assert.Equal("0", await blocked.TextAsync().Within("the unblocked fetch"));
    }

    [Fact]
    public async Task Object_waiting_on_a_wait_until_task_is_not_passivated_until_it_completes()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "background");
        await stub.FetchAsync(Kit.Get("/wait-until")).TextAsync();

        await kit.AdvanceAsync(TimeSpan.FromSeconds(200));
        Assert.True(kit.IsActive(stub.Id), "passivated while a WaitUntil task was pending");

        kit.Probe().Open("counter.background");
        // The WaitUntil bookkeeping runs in the object's turn once the task's continuation is posted; each idle sweep
        // goes through that turn too, so a bounded number of sweeps settles it.
        for (var i = 0; i < 100 && kit.IsActive(stub.Id); i++) await kit.AdvanceAsync(TimeSpan.FromSeconds(72));
        Assert.False(kit.IsActive(stub.Id), "not passivated after its WaitUntil task completed");
    }

    [Fact]
    public async Task Constructor_failure_answers_instantiation_failed_and_the_next_event_tries_again()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("fragile", "f");

        var error = await Assert.ThrowsAsync<InstantiationFailedException>(() => stub.FetchAsync(Kit.Get("/")));
        Assert.Equal("instantiation_failed", error.Code);
        Assert.Contains("constructor refuses the first time", error.Message);

        Assert.Equal("constructed", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Exception_inside_fetch_reaches_the_caller_and_keeps_the_instance()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "thrower");
        await stub.FetchAsync(Kit.Post("/increment")).TextAsync();

        var error = await Assert.ThrowsAsync<DurableObjectException>(() => stub.FetchAsync(Kit.Get("/throw")));

        Assert.Equal("boom from the object", error.Message);
        Assert.Equal("object_error", error.Code);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal("1", await stub.FetchAsync(Kit.Get("/instance")).TextAsync());
    }

    [Fact]
    public async Task Unhandled_exception_outside_any_event_resets_the_activation()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "crasher");
        await stub.FetchAsync(Kit.Post("/increment")).TextAsync();

        await stub.FetchAsync(Kit.Get("/crash-async-void")).TextAsync();
        // The crash and the reset happen in the object's turn after the response left; wait for the reset (bounded).
        await kit.WaitForResetsAsync(1).Within("the reset after the crash");

        Assert.Equal("2", await stub.FetchAsync(Kit.Get("/instance")).TextAsync());
        Assert.Equal("1", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Failing_block_concurrency_callback_resets_the_activation()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "bcw");
        await stub.FetchAsync(Kit.Post("/increment")).TextAsync();

        await Assert.ThrowsAsync<DurableObjectResetException>(() => stub.FetchAsync(Kit.Get("/crash-bcw")));

        Assert.Equal("2", await stub.FetchAsync(Kit.Get("/instance")).TextAsync());
        Assert.Equal("1", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Graceful_stop_lets_in_flight_events_finish_and_refuses_new_ones()
    {
        var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "draining");
        var blocked = stub.FetchAsync(Kit.Get("/block"));
        await kit.Probe().WhenCount("counter.fetches", 1).Within("the blocking fetch to start");

        var stopping = kit.StopAsync();
        await Assert.ThrowsAsync<OverloadedException>(() => stub.FetchAsync(Kit.Get("/")));
        Assert.False(stopping.IsCompleted, "stop finished with an event still in flight");

        kit.Probe().Open("counter.block");
        Assert.Equal("0", await blocked.TextAsync().Within("the in-flight fetch"));
        await stopping.Within("stop");
        Assert.Equal(0, kit.ActiveCount);
        await kit.DisposeAsync();
    }
}
