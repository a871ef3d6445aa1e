using Durable.TestKit;
using Durable.Web.Node;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable.Web.Tests.Node;

public sealed class IdleMemoryTrimmerTests
{
    private const long MiB = 1 << 20;
    private readonly VirtualClock _clock = new();
    private long _allocated;
    private (long Committed, long Heap) _heap = (200 * MiB, 20 * MiB);
    private int _collections;

    private IdleMemoryTrimmer Trimmer(TimeSpan after)
    {
        var trimmer = new IdleMemoryTrimmer(after, _clock, NullLogger.Instance, () => _allocated, () => _heap, () =>
        {
            _collections++;
            _heap = (_heap.Heap, _heap.Heap);
        });
        trimmer.Start();
        return trimmer;
    }

    private void Second(IdleMemoryTrimmer trimmer, long allocated)
    {
        _allocated += allocated;
        _clock.Advance(TimeSpan.FromSeconds(1));
        trimmer.Tick();
    }

    [Fact]
    public void A_node_quiet_for_the_idle_time_is_trimmed_once()
    {
        var trimmer = Trimmer(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 9; i++) Second(trimmer, 100_000);
        Assert.Equal(0, _collections);
        Second(trimmer, 100_000);
        Assert.Equal(1, _collections);
        _heap = (200 * MiB, 20 * MiB);
        for (var i = 0; i < 30; i++) Second(trimmer, 0);
        Assert.Equal(1, trimmer.Trims);
    }

    [Fact]
    public void A_busy_second_restarts_the_quiet_period_and_allows_the_next_trim()
    {
        var trimmer = Trimmer(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 8; i++) Second(trimmer, 0);
        Second(trimmer, 50 * MiB);
        for (var i = 0; i < 9; i++) Second(trimmer, 0);
        Assert.Equal(0, _collections);
        Second(trimmer, 0);
        Assert.Equal(1, _collections);

        Second(trimmer, 50 * MiB);
        _heap = (200 * MiB, 20 * MiB);
        for (var i = 0; i < 10; i++) Second(trimmer, 0);
        Assert.Equal(2, _collections);
    }

    [Fact]
    public void A_heap_without_much_unused_memory_is_left_alone()
    {
        _heap = (20 * MiB + IdleMemoryTrimmer.SlackBytes - 1, 20 * MiB);
        var trimmer = Trimmer(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 10; i++) Second(trimmer, 0);
        Assert.Equal(0, _collections);

        // One byte more slack is worth the collection.
        _heap = (20 * MiB + IdleMemoryTrimmer.SlackBytes, 20 * MiB);
        var next = Trimmer(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 10; i++) Second(next, 0);
        Assert.Equal(1, _collections);
    }
}
