using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

/// <summary>
/// Gives memory back after a burst. The collector keeps the heap it grew under load (free regions, a large gen0
/// budget) long after the load is gone, so a node that served 10,000 new objects holds several times its live heap.
/// Once a second this looks at how much the process allocated; after <see cref="NodeOptions.TrimMemoryAfterIdle"/> of
/// quiet seconds, and only if the collector holds at least <see cref="SlackBytes"/> more than the live heap, it runs
/// one aggressive, compacting, blocking collection (which also decommits free memory). It then waits for the next
/// busy period: an idle node is trimmed once, not every interval.
/// </summary>
internal sealed partial class IdleMemoryTrimmer : BackgroundService
{
    /// <summary>Bytes allocated in one second below which that second counts as quiet (timers and sweeps allocate a little).</summary>
    public const long QuietBytesPerSecond = 1 << 20;

    /// <summary>
    /// Committed-but-unused heap below which a trim is not worth a blocking collection. A quarter of the node's 16 MiB
    /// gen0 budget (Durable.Web.csproj): with the budget capped, a burst leaves less managed slack than before, and at
    /// 16 MiB the trim stopped running while the native memory it also returns stayed (bench/README.md, "Session 6":
    /// 124 MB after 15 s idle instead of ~106).
    /// </summary>
    public const long SlackBytes = 4 << 20;

    private readonly TimeSpan _after;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<long> _allocatedBytes;
    private readonly Func<(long Committed, long Heap)> _heap;
    private readonly Action _trim;

    public IdleMemoryTrimmer(IOptions<NodeOptions> options, TimeProvider time, ILogger<IdleMemoryTrimmer> logger)
        : this(options.Value.TrimMemoryAfterIdle, time, logger, static () => GC.GetTotalAllocatedBytes(), Heap,
            TrimProcess)
    {
    }

    /// <summary>Tests supply the allocation counter, the heap figures and the trim.</summary>
    internal IdleMemoryTrimmer(TimeSpan after, TimeProvider time, ILogger logger, Func<long> allocatedBytes,
        Func<(long Committed, long Heap)> heap, Action trim)
    {
        _after = after;
        _time = time;
        _logger = logger;
        _allocatedBytes = allocatedBytes;
        _heap = heap;
        _trim = trim;
    }

    private long _allocated;
    private long _quietSince;
    private bool _trimmedSinceBusy;

    /// <summary>Trims run so far.</summary>
    public int Trims { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_after <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        Start();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Tick();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal void Start()
    {
        _allocated = _allocatedBytes();
        _quietSince = _time.GetTimestamp();
        _trimmedSinceBusy = false;
    }

    /// <summary>One second's look: a busy second restarts the quiet period; a long enough quiet period trims once.</summary>
    internal void Tick()
    {
        var allocated = _allocatedBytes();
        var busy = allocated - _allocated > QuietBytesPerSecond;
        _allocated = allocated;
        if (busy)
        {
            _quietSince = _time.GetTimestamp();
            _trimmedSinceBusy = false;
            return;
        }
        if (_trimmedSinceBusy || _time.GetElapsedTime(_quietSince) < _after) return;
        _trimmedSinceBusy = true;
        var (committed, heap) = _heap();
        if (committed - heap < SlackBytes) return;
        _trim();
        Trims++;
        Log.Trimmed(_logger, committed >> 20, _heap().Committed >> 20, heap >> 20);
        _allocated = _allocatedBytes();
    }

    /// <summary>The managed heap (an aggressive collection decommits its free regions), then the C allocator's free
    /// pages: native memory freed by SQLite, the JIT and the runtime stays in glibc's arenas until trimmed.</summary>
    private static void TrimProcess()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux() && !OperatingSystem.IsAndroid())
        {
            try
            {
                MallocTrim(0);
            }
            catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (e.g. musl): nothing to trim this way.
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static (long Committed, long Heap) Heap()
    {
        // The heap's size counts its free space too: after a burst of WebSockets that free space (handshake garbage swept,
        // not compacted, between the sockets' live objects) is the slack to give back (bench/README.md "WebSockets").
        var info = GC.GetGCMemoryInfo();
        return (info.TotalCommittedBytes, info.HeapSizeBytes - info.FragmentedBytes);
    }

    private static partial class Log
    {
        [LoggerMessage(Durable.Internal.LogEventIds.NodeMemoryTrimmed, LogLevel.Information,
            "Node idle: returned unused heap memory to the system ({CommittedMiB} MiB committed before, {AfterMiB} MiB after, {HeapMiB} MiB in use)")]
        public static partial void Trimmed(ILogger logger, long committedMiB, long afterMiB, long heapMiB);
    }
}
