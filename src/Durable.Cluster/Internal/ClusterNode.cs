using Durable.Cluster.Hosting;
using Durable.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Cluster.Internal;

/// <summary>
/// This node's membership: join, the heartbeat loop (renew leases, run allocation when nobody else is, refresh the
/// shard map), reacting to lease changes (adopt alarms of acquired shards, reset objects of lost ones, hand off shards
/// asked for), and a graceful leave. Woken early by PostgreSQL NOTIFY so handoffs and failovers do not wait a tick.
/// </summary>
internal sealed partial class ClusterNode : IHostedService, IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly ClusterStore _store;
    private readonly ShardLeaseManager _leases;
    private readonly ObjectRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _handoffLock = new();
    private readonly Dictionary<ShardId, Task> _handoffs = [];
    private Task? _loop;
    private Task? _listener;
    private ShardMap _map = ShardMap.Empty;
    private long _mapVersion;
    private long _lastMapRead;
    private volatile bool _ready;
    private int _disposed;

    public ClusterNode(ClusterOptions options, string advertisedUrl, ClusterStore store, ShardLeaseManager leases,
        ObjectRuntime runtime, TimeProvider time, ILogger<ClusterNode> logger)
    {
        _options = options;
        Node = leases.Node;
        AdvertisedUrl = advertisedUrl;
        _store = store;
        _leases = leases;
        _runtime = runtime;
        _time = time;
        _logger = logger;
    }

    public NodeId Node { get; }

    public string AdvertisedUrl { get; }

    /// <summary>Joined, and allocation has run (by this node or another) since.</summary>
    public bool IsReady => _ready;

    /// <summary>The newest shard map read from PostgreSQL.</summary>
    public ShardMap Map => Volatile.Read(ref _map);

    public ShardLeaseManager Leases => _leases;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.MigrateAsync(cancellationToken);
        await _store.JoinAsync(Node, AdvertisedUrl, _options.Shards, cancellationToken);
        Log.Joined(_logger, Node, AdvertisedUrl, _options.Shards);
        _listener = _store.ListenAsync(Wake, e => Log.ListenFailed(_logger, Node, e), _time, _stop.Token);
        await TickAsync(cancellationToken);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Runs the next heartbeat round now instead of at the next interval (a change was announced).</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            try
            {
                await wake.Task.WaitAsync(_options.HeartbeatInterval, _time, _stop.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (wake.Task.IsCompleted)
                Interlocked.CompareExchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
            try
            {
                await TickAsync(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                Log.HeartbeatFailed(_logger, Node, error.Message);
            }
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        OnLost(_leases.ExpireLapsed(), "its shard lease passed this node's local deadline");
        var sentAt = _time.GetTimestamp();
        var renewed = await _store.HeartbeatAsync(Node, _options.LeaseTtl, cancellationToken);
        var outcome = _leases.ApplyRenewal(renewed, sentAt);
        OnLost(outcome.Lost, "its shard lease was not renewed (it expired or moved to another node)");
        if (outcome.Acquired.Count > 0)
        {
            var acquired = outcome.Acquired.Select(s => s.Value).ToHashSet();
            await _runtime.AdoptAlarmsAsync(key => acquired.Contains(_leases.ShardOf(key).Value) && _leases.IsServedHere(key), cancellationToken);
        }
        foreach (var lease in outcome.HandoffsRequested) StartHandoff(lease);

        var plan = await _store.TryAllocateAsync(_options.LeaseTtl, _options.MaxSimultaneousHandoffs, cancellationToken);
        if (plan is { IsEmpty: false }) Log.Allocated(_logger, Node, plan.Grants.Count, plan.Handoffs.Count, plan.Cancelled.Count);

        var now = _time.GetTimestamp();
        if (plan is { IsEmpty: false } || outcome.Acquired.Count > 0 || outcome.Lost.Count > 0 || outcome.HandoffsRequested.Count > 0
            || _time.GetElapsedTime(_lastMapRead, now) >= _options.MapRefreshInterval || !_ready)
        {
            Volatile.Write(ref _map, await _store.ReadMapAsync(_options.LeaseTtl, ++_mapVersion, cancellationToken));
            _lastMapRead = now;
        }
        _ready = true;
    }

    private void OnLost(List<ShardId> lost, string why)
    {
        if (lost.Count == 0) return;
        var shards = lost.Select(s => s.Value).ToHashSet();
        _runtime.ForgetAlarms(id => shards.Contains(_leases.ShardOf(id).Value));
        _runtime.Reset(id => shards.Contains(_leases.ShardOf(id).Value), why);
    }

    private void StartHandoff(LocalLease lease)
    {
        lock (_handoffLock)
        {
            if (_handoffs.ContainsKey(lease.Shard)) return;
            var task = HandoffAsync(lease);
            if (!task.IsCompleted) _handoffs[lease.Shard] = task;
        }
    }

    /// <summary>Stop (already: the lease is Draining, so new events are refused), drain, passivate, release.</summary>
    private async Task HandoffAsync(LocalLease lease)
    {
        await Task.Yield();
        var started = _time.GetTimestamp();
        var shard = lease.Shard.Value;
        var transferred = false;
        try
        {
            Log.HandoffStarted(_logger, Node, lease.Shard, lease.HandoffTo);
            var reset = await _runtime.DrainAsync(id => _leases.ShardOf(id).Value == shard, _options.HandoffTimeout, _stop.Token);
            _runtime.ForgetAlarms(id => _leases.ShardOf(id).Value == shard);
            transferred = lease.HandoffTo is { } target
                && await _store.TransferAsync(lease.Shard, Node, lease.Epoch, target, _options.LeaseTtl, _stop.Token);
            Log.HandoffFinished(_logger, Node, lease.Shard, lease.HandoffTo, transferred, reset, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception error) when (error is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            Log.HandoffFailed(_logger, Node, lease.Shard, error);
        }
        finally
        {
            _leases.Released(lease, transferred);
            lock (_handoffLock) _handoffs.Remove(lease.Shard);
        }
    }

    /// <summary>Stops heartbeating without leaving (tests: a node that froze; its leases must expire on their own).</summary>
    internal async Task HaltAsync()
    {
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_listener is not null) await _listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Graceful leave: refuse new events everywhere, drain and passivate every object, free the leases.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null || _stop.IsCancellationRequested) return;
        _stop.Cancel();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        Task[] handoffs;
        lock (_handoffLock) handoffs = [.. _handoffs.Values];
        await Task.WhenAll(handoffs);
        var draining = _leases.DrainAll();
        var shards = draining.Select(l => l.Shard.Value).ToHashSet();
        await _runtime.DrainAsync(id => shards.Contains(_leases.ShardOf(id).Value), _options.HandoffTimeout, cancellationToken);
        try
        {
            await _store.LeaveAsync(Node, cancellationToken);
        }
        catch (Exception error)
        {
            Log.HeartbeatFailed(_logger, Node, error.Message);
        }
        foreach (var lease in draining) _leases.Released(lease, transferred: false);
        Log.Left(_logger, Node, draining.Count);
        if (_listener is not null) await _listener;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_listener is not null) await _listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
