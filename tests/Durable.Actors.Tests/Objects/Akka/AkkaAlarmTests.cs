using Durable.TestKit;

namespace Durable.Actors.Tests.Objects.Akka;

/// <summary>
/// Alarms on the Akka engine, end to end: objects note their alarms in their alarm book before committing them, and the
/// book fires them through the objects' regions. Time moves with <c>DurableTestRuntime.AdvanceAsync</c>, which on this
/// engine advances Akka's TestScheduler (the books' timers) with the virtual clock.
/// </summary>
public class AkkaAlarmTests
{
    [Fact]
    public async Task Alarms_due_while_the_node_was_down_fire_after_restart_and_later_ones_stay_booked()
    {
        var clock = new VirtualClock();
        await using var files = new AkkaKit();
        await using (var first = await files.StartAsync(clock: clock))
        {
            await Call(first.Stub("alarm", "early"), "/set?10");
            await Call(first.Stub("alarm", "late"), "/set?100");
        }

        clock.Advance(TimeSpan.FromSeconds(50));
        await using var second = await files.StartAsync(clock: clock);
        // Nothing calls the objects: the book, started again by remember-entities, wakes the early one.
        await second.Probe().WhenCount("alarm.runs", 1).Within("the alarm that came due while the node was down", 60);

        Assert.Equal("0@00:50", await Call(second.Stub("alarm", "early"), "/attempts"));
        Assert.Equal("", await Call(second.Stub("alarm", "late"), "/attempts"));
        var late = Assert.Single(await second.Runtime.Objects!.Books.GetAsync(second.IdFromName("alarm", "late")));
        Assert.Equal(clock.GetUtcNow().AddSeconds(50), late.Due);
        Assert.Equal(1, second.Probe().Count("alarm.runs"));
    }

    [Fact]
    public async Task Alarm_in_the_past_fires_once_and_leaves_its_book()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("alarm", "past");

        await Call(stub, "/set?-60");
        await kit.Probe().WhenCount("alarm.runs", 1).Within("the alarm set in the past");

        Assert.Equal("0@00:00", await Call(stub, "/attempts"));
        Assert.Equal("none", await Call(stub, "/get"));
        await EventuallyAsync(async () => (await kit.Runtime.Objects!.Books.GetAsync(stub.Id)).Count == 0, "the fired alarm leaving its book");
        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
    }

    [Fact]
    public async Task Deleting_an_alarm_removes_it_from_its_book()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("alarm", "deleted");

        await Call(stub, "/set?30");
        Assert.Single(await kit.Runtime.Objects!.Books.GetAsync(stub.Id));
        await Call(stub, "/delete");

        await EventuallyAsync(async () => (await kit.Runtime.Objects!.Books.GetAsync(stub.Id)).Count == 0, "the deleted alarm leaving its book");
    }

    [Fact]
    public async Task Alarm_fires_at_its_time_and_not_before_and_only_once()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("alarm", "a");

        await AlarmSpecs.FiresOnceAtItsTimeAsync(kit, stub);

        await EventuallyAsync(async () => (await kit.Runtime.Objects!.Books.GetAsync(stub.Id)).Count == 0, "the fired alarm leaving its book");
    }

    [Fact]
    public async Task Throwing_handler_is_retried_with_doubling_backoff_six_times_then_kept_visible()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("alarm", "failing");

        await AlarmSpecs.RetriesWithDoublingBackoffAsync(kit, stub);

        Assert.True(Assert.Single(await kit.Runtime.Objects!.Books.GetAsync(stub.Id)).IsExhausted);
    }

    [Fact]
    public async Task Setting_a_new_alarm_supersedes_a_pending_retry()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("alarm", "moved");
        kit.Probe().Bump("alarm.failures");
        await Call(stub, "/set?1");
        await kit.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, kit.Probe().Count("alarm.runs"));

        await Call(stub, "/set?100");
        await kit.AdvanceAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(40));

        // Set at 00:01 for 100 s later: the new alarm runs once, at 01:41, as a first attempt (no retry of the old one).
        Assert.Equal("0@01:41", await Call(stub, "/attempts"));
    }

    private static Task<string> Call(DurableObjectStub stub, string path) => AlarmSpecs.Call(stub, path);

    /// <summary>Asks again until <paramref name="condition"/> holds (a book applies an outcome after answering the object).</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string phase)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {phase}.");
            await Task.Delay(20);
        }
    }
}
