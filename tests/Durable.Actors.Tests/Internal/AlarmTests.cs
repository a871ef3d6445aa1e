using Durable.Actors.Tests.Objects;
using Durable.Hosting;
using Durable.TestKit;

namespace Durable.Actors.Tests.Internal;

public class AlarmTests
{
    // The virtual clock starts at 00:00:00, so "mm:ss" in the attempts log reads as seconds since the start.
    [Fact]
    public async Task Alarm_fires_at_its_time_and_not_before_and_only_once()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("alarm", "a");

        await AlarmSpecs.FiresOnceAtItsTimeAsync(kit, stub);

        Assert.Null((await kit.Storage.ReadDurableStateAsync(stub.Id)).Alarm);
    }

    [Theory, Engines]
    public async Task Handler_sees_no_alarm_while_it_runs_and_may_set_the_next_one(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "chain");
        kit.Probe().Bump("alarm.reschedule");
        kit.Probe().Bump("alarm.reschedule");
        await Call(stub, "/set?5");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(5));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(10));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(10));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("0@00:05,0@00:15,0@00:25", await Call(stub, "/attempts"));
    }

    [Fact]
    public async Task Throwing_handler_is_retried_with_doubling_backoff_six_times_then_dropped()
    {
        await using var kit = await Kit.StartAsync();

        await AlarmSpecs.RetriesWithDoublingBackoffAsync(kit, kit.Stub("alarm", "failing"));

        Assert.Equal(0, kit.ScheduledAlarmCount);
    }

    [Theory, Engines]
    public async Task Retry_tells_the_handler_its_retry_count(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "counted");
        kit.Probe().Bump("alarm.failures");
        kit.Probe().Bump("alarm.failures");
        await Call(stub, "/set?1");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(1));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(2));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(4));

        // The failed attempts' writes were reset with the object; only the successful third run's log is durable,
        // and it shows the retry count and that the alarm read as unset inside the handler.
        Assert.Equal("2r@00:07", await Call(stub, "/attempts"));
        Assert.Equal(3, kit.Probe().Count("alarm.runs"));
    }

    [Theory, Engines]
    public async Task Deleting_the_alarm_cancels_a_pending_retry(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "cancel");
        for (var i = 0; i < 100; i++) kit.Probe().Bump("alarm.failures");
        await Call(stub, "/set?1");
        await kit.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, kit.Probe().Count("alarm.runs"));

        await Call(stub, "/delete");
        await kit.AdvanceAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
        await AssertNoAlarmBookedAsync(kit, stub.Id);
    }

    [Theory, Engines]
    public async Task Setting_a_new_alarm_supersedes_the_old_one(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "moved");
        await Call(stub, "/set?10");
        await Call(stub, "/set?20");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("0@00:20", await Call(stub, "/attempts"));
    }

    [Theory, Engines]
    public async Task Alarm_in_the_past_fires_promptly(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "past");

        await Call(stub, "/set?-60");
        await kit.AdvanceAsync(TimeSpan.Zero);

        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
    }

    [Theory, Engines]
    public async Task Alarm_written_in_a_failed_commit_never_fires(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "lost");

        kit.Journal.FailNextAppend();
        await Assert.ThrowsAsync<DurableObjectResetException>(() => stub.FetchAsync(Kit.Post("/set?1")));
        await kit.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
        Assert.Equal("none", await Call(stub, "/get"));
    }

    [Theory, Engines]
    public async Task Delete_all_removes_the_alarm(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "wiped");
        await Call(stub, "/set?5");

        await Call(stub, "/delete-all");
        await kit.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
    }

    [Theory, Engines]
    public async Task Alarm_of_a_passivated_object_activates_it(ObjectEngine engine)
    {
        await using var kit = await Kit.StartAsync(engine);
        var stub = kit.Stub("alarm", "asleep");
        await Call(stub, "/set?300");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(100));
        Assert.False(kit.IsActive(stub.Id));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(200));

        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
        Assert.Equal("0@05:00", await Call(stub, "/attempts"));
    }

    [Fact]
    public async Task Committed_alarms_fire_after_a_restart_including_those_due_while_down()
    {
        var storage = new TestStorage();
        var clock = new VirtualClock();
        await using (var first = await Kit.StartAsync(storage: storage, clock: clock))
        {
            await Call(first.Stub("alarm", "early"), "/set?10");
            await Call(first.Stub("alarm", "late"), "/set?100");
        }

        clock.Advance(TimeSpan.FromSeconds(50));
        await using var second = await Kit.StartAsync(storage: storage, clock: clock);
        await second.AdvanceAsync(TimeSpan.Zero);
        Assert.Equal("0@00:50", await Call(second.Stub("alarm", "early"), "/attempts"));
        Assert.Equal("", await Call(second.Stub("alarm", "late"), "/attempts"));

        await second.AdvanceAsync(TimeSpan.FromSeconds(50));
        Assert.Equal("0@01:40", await Call(second.Stub("alarm", "late"), "/attempts"));
    }

    private static Task<string> Call(DurableObjectStub stub, string path) => AlarmSpecs.Call(stub, path);

    private static async Task AssertNoAlarmBookedAsync(DurableTestRuntime kit, DurableObjectId id)
    {
        if (kit.Engine == ObjectEngine.Classic) Assert.Equal(0, kit.ScheduledAlarmCount);
        else Assert.Empty(await kit.AlarmBookEntriesAsync(id));
    }
}
