namespace Durable.TestKit.Tests;

public class VirtualClockTests
{
    [Fact]
    public void Time_moves_only_when_advanced()
    {
        var clock = new VirtualClock(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var start = clock.GetTimestamp();

        Assert.Equal(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(90));

        Assert.Equal(new DateTimeOffset(2030, 5, 6, 7, 9, 39, TimeSpan.Zero), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(90), clock.GetElapsedTime(start));
    }

    [Fact]
    public void Timers_fire_in_due_order_each_seeing_its_own_due_time()
    {
        var clock = new VirtualClock();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal([("early", TimeSpan.FromSeconds(10)), ("late", TimeSpan.FromSeconds(30))], fired);
    }

    [Fact]
    public void Periodic_timer_fires_once_per_period_and_stops_when_disposed()
    {
        var clock = new VirtualClock();
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(5.5));
        Assert.Equal(5, count);
        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(5, count);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void Changing_a_timer_rearms_it_from_now_and_infinite_disarms_it()
    {
        var clock = new VirtualClock();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(5));
        timer.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, count);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, count);

        timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, count);
    }

    [Fact]
    public void A_timer_armed_in_the_past_is_due_and_fires_on_a_zero_advance()
    {
        var clock = new VirtualClock();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(-5), Timeout.InfiniteTimeSpan);

        Assert.True(clock.HasDueTimers);
        clock.Advance(TimeSpan.Zero);

        Assert.Equal(1, count);
        Assert.False(clock.HasDueTimers);
    }

    [Fact]
    public async Task Task_delay_on_the_virtual_clock_completes_only_when_time_reaches_it()
    {
        var clock = new VirtualClock();
        var delay = Task.Delay(TimeSpan.FromSeconds(3), clock);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await delay.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
