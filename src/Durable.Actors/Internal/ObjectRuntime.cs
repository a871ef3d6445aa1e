using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Durable.Hosting;
using Durable.Objects;
using Durable.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Durable.Internal;

/// <summary>
/// The per-node object runtime: the directory of activations (at most one per id on this node), admission with the
/// node's in-flight limit, the collector for idle objects and deadlines, and start and graceful stop.
/// </summary>
internal sealed partial class ObjectRuntime : IAsyncDisposable
{
    private readonly ConcurrentDictionary<DurableObjectId, Activation> _activations = new();
    private readonly DurableIdOptions _idOptions;
    private readonly ActivationCollector _collector;
    private readonly AlarmScheduler _alarms;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IdCodec? _ids;
    private IObjectPlacement? _placement;
    private IObjectRouter? _router;
    private ShardedObjects? _objects;
    // On the Akka engine: the events in flight, with their arrival, for deadlines (sharding owns the objects).
    private readonly ConcurrentDictionary<ObjectEvent, long> _pending = new(ReferenceEqualityComparer.Instance);
    private int _inFlight;
    private volatile bool _stopping;

    public ObjectRuntime(
        IOptions<DurableObjectsOptions> options,
        IOptions<DurableIdOptions> idOptions,
        IOptions<DurableWebSocketOptions> socketOptions,
        IDurableStorageProvider storage,
        TimeProvider time,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory)
    {
        Options = options.Value;
        _idOptions = idOptions.Value;
        Storage = storage;
        Time = time;
        Services = services;
        Logger = loggerFactory.CreateLogger("Durable.Runtime");
        Sockets = new SocketRegistry(socketOptions.Value, Options.Json);
        Metrics = new DurableMetrics(meterFactory, () => ActiveCount, () => Volatile.Read(ref _inFlight), () => Sockets.OpenCount);
        _collector = new ActivationCollector(this);
        _alarms = new AlarmScheduler(this);
    }

    public DurableObjectsOptions Options { get; }

    public IDurableStorageProvider Storage { get; }

    public TimeProvider Time { get; }

    public IServiceProvider Services { get; }

    public ILogger Logger { get; }

    public DurableMetrics Metrics { get; }

    /// <summary>The sockets and channel subscribers that end at this node, by object; they outlive activations.</summary>
    public SocketRegistry Sockets { get; }

    public IdCodec Ids => _ids ?? throw new InvalidOperationException("The durable object runtime has not started yet.");

    public bool IsStarted => _ids is not null;

    /// <summary>Completes when <see cref="StartAsync"/> has finished (the Akka engine's alarm books wait for it).</summary>
    public Task Started => _started.Task;

    /// <summary>Started, and in a cluster joined with shards allocated.</summary>
    public bool IsReady => IsStarted && (_router?.IsReady ?? true) && (_objects?.IsUp ?? true);

    /// <summary>The objects on Akka.NET (sharded persistent actors), when that engine is chosen.</summary>
    public ShardedObjects? Objects => _objects;

    public bool IsStopping => _stopping;

    public int ActiveCount => _objects?.LiveCount ?? _activations.Count;

    /// <summary>True when the object has a live activation (classic) or actor (Akka) on this node.</summary>
    public bool IsActive(DurableObjectId id) => _objects?.IsLive(id) ?? _activations.ContainsKey(id);

    public int InFlight => Volatile.Read(ref _inFlight);

    internal ActivationCollector Collector => _collector;

    internal AlarmScheduler Alarms => _alarms;

    internal ICollection<Activation> Activations => _activations.Values;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_ids is not null) return;
        _placement = Services.GetService(typeof(IObjectPlacement)) as IObjectPlacement;
        _router = Services.GetService(typeof(IObjectRouter)) as IObjectRouter;
        _objects = Services.GetService(typeof(ShardedObjects)) as ShardedObjects;
        // The Akka engine keeps everything, the id secret included, in its journal; the storage provider is the classic
        // engine's.
        if (_objects is null) await Storage.OpenAsync(cancellationToken);
        var secret = _idOptions.Secret is { } configured ? Encoding.UTF8.GetBytes(configured)
            : _objects is { } objects ? await IdSecret.GetOrCreateAsync(objects.System, cancellationToken)
            : await Storage.GetOrCreateSecretAsync("ids", static () => RandomNumberGenerator.GetBytes(32), cancellationToken);
        _ids = new IdCodec(secret);
        _collector.Start();
        // On the Akka engine alarms live in alarm books; the classic scheduler's index is never written there.
        if (_objects is null)
            await _alarms.StartAsync(ResolveStoredKey, _placement is { } placement ? placement.IsServedHere : static _ => true, cancellationToken);
        Log.Started(Logger, Options.Namespaces.Count);
        _started.TrySetResult();
    }

    public NamespaceRegistration GetNamespace(string name) =>
        Options.Namespaces.TryGetValue(name, out var registration) ? registration : throw new UnknownNamespaceException(name);

    public Activation? FindActivation(DurableObjectId id) => _activations.GetValueOrDefault(id);

    /// <summary>Delivers a fetch to the object, on this node or (in a cluster) on its owner.</summary>
    public Task<HttpResponseMessage> FetchAsync(DurableObjectId id, HttpRequestMessage request, CancellationToken cancellationToken) =>
        _router is { } router ? router.FetchAsync(id, request, cancellationToken) : FetchLocalAsync(id, request, cancellationToken);

    /// <summary>Delivers a fetch to the object's activation on this node; in a cluster, refused with
    /// <see cref="ShardMovedException"/> unless this node serves the object's shard.</summary>
    public Task<HttpResponseMessage> FetchLocalAsync(DurableObjectId id, HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Content is { } content && _objects is { HasPeers: true }
            ? BufferThenFetchAsync(id, request, content, cancellationToken)
            : FetchAdmittedAsync(id, request, cancellationToken);

    // With other nodes in the cluster the object may live on one of them, and a request crosses whole: its body is read
    // before the event is admitted (a body too large fails here, as it would while the object read it).
    private async Task<HttpResponseMessage> BufferThenFetchAsync(
        DurableObjectId id, HttpRequestMessage request, HttpContent content, CancellationToken cancellationToken)
    {
        await content.LoadIntoBufferAsync(cancellationToken);
        return await FetchAdmittedAsync(id, request, cancellationToken);
    }

    private Task<HttpResponseMessage> FetchAdmittedAsync(DurableObjectId id, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Admit(id);
        var e = new FetchEvent(id, Time.GetTimestamp(), request);
        try
        {
            Dispatch(e);
        }
        catch
        {
            EventFinished();
            throw;
        }
        return cancellationToken.CanBeCanceled ? e.Completion.WaitAsync(cancellationToken) : e.Completion;
    }

    /// <summary>Runs the object's alarm that was due at <paramref name="due"/> as a normal event (gates apply).</summary>
    public Task<bool> FireAlarm(DurableObjectId id, DateTimeOffset due, int retryCount)
    {
        Admit(id);
        var e = new AlarmEvent(id, Time.GetTimestamp(), due, retryCount);
        try
        {
            Dispatch(e);
        }
        catch
        {
            EventFinished();
            throw;
        }
        return e.Completion;
    }

    /// <summary>Admits a socket or channel event and hands it to its object; throws <see cref="OverloadedException"/> when full.</summary>
    public void Submit(ObjectEvent e)
    {
        Admit(e.Target);
        try
        {
            Dispatch(e);
        }
        catch
        {
            EventFinished();
            throw;
        }
    }

    private DurableObjectId? ResolveStoredKey(ObjectKey key)
    {
        if (!Options.Namespaces.ContainsKey(key.Namespace))
        {
            Log.UnknownStoredNamespace(Logger, key.ToString());
            return null;
        }
        return Ids.Parse(key.Namespace, key.Id);
    }

    private void Admit(DurableObjectId id)
    {
        if (_stopping)
        {
            Metrics.Overloaded();
            throw new OverloadedException($"The node is shutting down; object {id} is not taking events here.", id);
        }
        _placement?.EnsureServedHere(id);
        if (Interlocked.Increment(ref _inFlight) > Options.MaxInFlightEventsPerNode)
        {
            EventFinished();
            Metrics.Overloaded();
            throw new OverloadedException(
                $"The node has {Options.MaxInFlightEventsPerNode} events in flight, its limit (Durable:Objects:MaxInFlightEventsPerNode).", id);
        }
    }

    /// <summary>Hands an admitted event to the object's activation, making one if there is none.</summary>
    private void Dispatch(ObjectEvent e)
    {
        if (_objects is { } objects)
        {
            _pending[e] = e.ArrivedAt;
            objects.Deliver(e);
            return;
        }
        var spinner = new SpinWait();
        while (true)
        {
            var activation = _activations.GetOrAdd(e.Target, static (id, runtime) =>
                new Activation(runtime, runtime.GetNamespace(id.Namespace), id), this);
            bool admitted;
            try
            {
                admitted = activation.TryEnqueue(e);
            }
            catch (OverloadedException)
            {
                Metrics.Overloaded();
                throw;
            }
            if (admitted)
            {
                if (e.Target.Name is { } name) activation.LearnName(name);
                activation.StartIfNew();
                return;
            }
            // That activation just passivated or reset and is leaving the directory.
            spinner.SpinOnce();
        }
    }

    /// <summary>Sends an event that never started in a reset activation to the object's next activation.</summary>
    public void Redispatch(ObjectEvent e)
    {
        try
        {
            Dispatch(e);
        }
        catch (Exception error)
        {
            e.TryFail(error);
            EventFinished();
        }
    }

    /// <summary>An event of the Akka engine was answered, failed or dropped (one sent to another node is finished when
    /// it completes, by <see cref="ForwardedFinished"/>).</summary>
    public void EventFinished(ObjectEvent e)
    {
        if (Volatile.Read(ref e.Forwarded) == 0) ForwardedFinished(e);
    }

    /// <summary>An event this node sent to its object on another node completed (answered, failed, or past its deadline).</summary>
    internal void ForwardedFinished(ObjectEvent e)
    {
        _pending.TryRemove(e, out _);
        EventFinished();
    }

    /// <summary>
    /// Counts an event that came from another node for an object here, with the deadline its caller has left. Past this
    /// node's limit, or while it stops, it fails at once (and its object drops it): the caller's edge answers 503.
    /// </summary>
    internal void AdoptForwarded(ObjectEvent e)
    {
        _pending[e] = e.ArrivedAt;
        var inFlight = Interlocked.Increment(ref _inFlight);
        if (_stopping)
            e.TryFail(new OverloadedException($"The node is shutting down; object {e.Target} is not taking events here.", e.Target));
        else if (inFlight > Options.MaxInFlightEventsPerNode)
            e.TryFail(new OverloadedException(
                $"The node has {Options.MaxInFlightEventsPerNode} events in flight, its limit (Durable:Objects:MaxInFlightEventsPerNode).", e.Target));
        else return;
        Metrics.Overloaded();
    }

    /// <summary>Fails the Akka engine's events that arrived at or before <paramref name="cutoff"/> and are still unanswered.</summary>
    internal void ExpirePending(long cutoff)
    {
        foreach (var (e, arrivedAt) in _pending)
        {
            if (arrivedAt > cutoff) continue;
            var error = new DeadlineExceededException(
                $"{e.Describe()} to object {e.Target} did not finish within {Options.EventDeadline.TotalSeconds:0.###} s.", e.Target);
            if (e.TryFail(error)) Metrics.DeadlineExceeded();
            // The object drops it unstarted, or its answer is discarded; either way it no longer counts against a deadline.
            _pending.TryRemove(e, out _);
        }
    }

    public void EventFinished()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping) _drained.TrySetResult();
    }

    public void Remove(Activation activation) =>
        _activations.TryRemove(new KeyValuePair<DurableObjectId, Activation>(activation.Id, activation));

    /// <summary>Stops taking events, lets in-flight ones finish and their writes commit, then passivates everything.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping) return;
        _stopping = true;
        Log.Stopping(Logger, InFlight, ActiveCount);
        await _collector.StopAsync();
        await _alarms.StopAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ShutdownTimeout);
        try
        {
            if (Volatile.Read(ref _inFlight) > 0) await _drained.Task.WaitAsync(timeout.Token);
            await Task.WhenAll(_activations.Values.Select(a => a.DeactivateAsync())).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownTimedOut(Logger, InFlight, ActiveCount);
        }
        Log.Stopped(Logger);
    }

    // ---- shards coming and going (cluster) ----

    /// <summary>Schedules the stored alarms of the objects <paramref name="adopt"/> selects (a shard just acquired).</summary>
    public Task AdoptAlarmsAsync(Func<ObjectKey, bool> adopt, CancellationToken cancellationToken) =>
        _alarms.AdoptAsync(ResolveStoredKey, adopt, cancellationToken);

    /// <summary>Drops the scheduled alarms of the objects <paramref name="forget"/> selects (a shard that left).</summary>
    public void ForgetAlarms(Func<DurableObjectId, bool> forget) => _alarms.Forget(forget);

    /// <summary>
    /// Handoff of the objects <paramref name="select"/> picks (the placement already refuses new events for them): waits
    /// for their in-flight events and commits, passivates them, and after <paramref name="timeout"/> resets what is
    /// left. Completes with the number of objects that had to be reset.
    /// </summary>
    public async Task<int> DrainAsync(Func<DurableObjectId, bool> select, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Time.GetTimestamp() + (long)(timeout.TotalSeconds * Time.TimestampFrequency);
        while (true)
        {
            var left = _activations.Values.Where(a => select(a.Id)).ToList();
            if (left.Count == 0) return 0;
            if (Time.GetTimestamp() >= deadline)
            {
                Reset(select, $"its shard was handed off and it did not stop within {timeout.TotalSeconds:0.###} s");
                return left.Count;
            }
            using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            step.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                await Task.WhenAll(left.Select(a => a.DeactivateAsync())).WaitAsync(step.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(TimeSpan.FromMilliseconds(5), Time, cancellationToken);
        }
    }

    /// <summary>Resets, inside their turns, the activations <paramref name="select"/> picks (a lease this node lost).</summary>
    public int Reset(Func<DurableObjectId, bool> select, string why)
    {
        var count = 0;
        foreach (var activation in _activations.Values)
        {
            if (!select(activation.Id)) continue;
            count++;
            activation.Post(static s =>
            {
                var (a, reason) = ((Activation, string))s!;
                a.Break(new DurableObjectResetException($"Object {a.Id} was reset: {reason}.", null, a.Id));
            }, (activation, why));
        }
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _collector.StopAsync();
        await _alarms.StopAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.RuntimeStarted, LogLevel.Information, "Durable object runtime started with {NamespaceCount} namespaces")]
        public static partial void Started(ILogger logger, int namespaceCount);

        [LoggerMessage(LogEventIds.RuntimeStopping, LogLevel.Information, "Durable object runtime stopping: {InFlight} events in flight, {Active} objects active")]
        public static partial void Stopping(ILogger logger, int inFlight, int active);

        [LoggerMessage(LogEventIds.ShutdownTimedOut, LogLevel.Warning, "Shutdown timed out with {InFlight} events in flight and {Active} objects active")]
        public static partial void ShutdownTimedOut(ILogger logger, int inFlight, int active);

        [LoggerMessage(LogEventIds.UnknownStoredNamespace, LogLevel.Warning, "Stored alarm of {ObjectKey} belongs to a namespace this node does not serve; skipped")]
        public static partial void UnknownStoredNamespace(ILogger logger, string objectKey);

        [LoggerMessage(LogEventIds.RuntimeStopped, LogLevel.Information, "Durable object runtime stopped")]
        public static partial void Stopped(ILogger logger);
    }
}
