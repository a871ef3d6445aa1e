using Durable.Actors.Tests.Objects;
using Durable.Hosting;
using Durable.TestKit;

namespace Durable.Actors.Tests.Internal;

public class AlarmTests
{
    // The virtual clock starts at 00:00:00, so "mm:ss" in the attempts log reads as seconds since the start.
    // Firing once at its time, retries with backoff and alarms due while the node was down: Objects/Akka/AkkaAlarmTests.
    [Fact]
    public async Task Handler_sees_no_alarm_while_it_runs_and_may_set_the_next_one()
    {
        await using var kit = await Kit.StartAsync();
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
    public async Task Retry_tells_the_handler_its_retry_count()
    {
        await using var kit = await Kit.StartAsync();
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

    [Fact]
    public async Task Deleting_the_alarm_cancels_a_pending_retry()
    {
        await using var kit = await Kit.StartAsync();
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

    [Fact]
    public async Task Setting_a_new_alarm_supersedes_the_old_one()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("alarm", "moved");
        await Call(stub, "/set?10");
        await Call(stub, "/set?20");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("0@00:20", await Call(stub, "/attempts"));
    }

    [Fact]
    public async Task Alarm_in_the_past_fires_promptly()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("alarm", "past");

        await Call(stub, "/set?-60");
        await kit.AdvanceAsync(TimeSpan.Zero);

        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
    }

    [Fact]
    public async Task Alarm_written_in_a_failed_commit_never_fires()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("alarm", "lost");

        kit.Journal.FailNextAppend();
        await Assert.ThrowsAsync<DurableObjectResetException>(() => stub.FetchAsync(Kit.Post("/set?1")));
        await kit.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
        Assert.Equal("none", await Call(stub, "/get"));
    }

    [Fact]
    public async Task Delete_all_removes_the_alarm()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("alarm", "wiped");
        await Call(stub, "/set?5");

        await Call(stub, "/delete-all");
        await kit.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
    }

    [Fact]
    public async Task Alarm_of_a_passivated_object_activates_it()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("alarm", "asleep");
        await Call(stub, "/set?300");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(100));
        Assert.False(kit.IsActive(stub.Id));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(200));

        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
        Assert.Equal("0@05:00", await Call(stub, "/attempts"));
    }

    private static Task<string> Call(DurableObjectStub stub, string path) => AlarmSpecs.Call(stub, path);

    private static async Task AssertNoAlarmBookedAsync(DurableTestRuntime kit, DurableObjectId id)
    {
        Assert.Empty(await kit.AlarmBookEntriesAsync(id));
    }
}
