using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Durable.Hosting;
using Durable.Objects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Durable.Internal;

/// <summary>
/// The per-node facade over the objects (sharded persistent actors, <see cref="ShardedObjects"/>): admission with the
/// node's in-flight limit, deadlines swept every <c>CollectionInterval</c>, and start and graceful stop.
/// </summary>
internal sealed partial class ObjectRuntime : IAsyncDisposable
{
    private readonly DurableIdOptions _idOptions;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IdCodec? _ids;
    private ShardedObjects? _objects;
    private ITimer? _deadlines;
    // The events in flight, with their arrival, for deadlines (sharding owns the objects).
    private readonly ConcurrentDictionary<ObjectEvent, long> _pending = new(ReferenceEqualityComparer.Instance);
    private int _inFlight;
    private volatile bool _stopping;

    public ObjectRuntime(
        IOptions<DurableObjectsOptions> options,
        IOptions<DurableIdOptions> idOptions,
        IOptions<DurableWebSocketOptions> socketOptions,
        TimeProvider time,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory)
    {
        Options = options.Value;
        _idOptions = idOptions.Value;
        Time = time;
        Services = services;
        Logger = loggerFactory.CreateLogger("Durable.Runtime");
        Sockets = new SocketRegistry(socketOptions.Value, Options.Json);
        Metrics = new DurableMetrics(meterFactory, () => ActiveCount, () => Volatile.Read(ref _inFlight), () => Sockets.OpenCount);
    }

    public DurableObjectsOptions Options { get; }

    public TimeProvider Time { get; }

    public IServiceProvider Services { get; }

    public ILogger Logger { get; }

    public DurableMetrics Metrics { get; }

    /// <summary>The sockets and channel subscribers that end at this node, by object; they outlive the objects' actors.</summary>
    public SocketRegistry Sockets { get; }

    public IdCodec Ids => _ids ?? throw new InvalidOperationException("The durable object runtime has not started yet.");

    public bool IsStarted => _ids is not null;

    /// <summary>Completes when <see cref="StartAsync"/> has finished (the alarm books wait for it).</summary>
    public Task Started => _started.Task;

    /// <summary>Started, the node Up and its shard regions registered.</summary>
    public bool IsReady => IsStarted && (_objects?.IsUp ?? false);

    /// <summary>The objects on Akka.NET (sharded persistent actors); set once the runtime has started.</summary>
    public ShardedObjects? Objects => _objects;

    public bool IsStopping => _stopping;

    public int ActiveCount => _objects?.LiveCount ?? 0;

    /// <summary>True when the object has a live actor on this node.</summary>
    public bool IsActive(DurableObjectId id) => _objects?.IsLive(id) ?? false;

    public int InFlight => Volatile.Read(ref _inFlight);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_ids is not null) return;
        _objects = Services.GetService(typeof(ShardedObjects)) as ShardedObjects
            ?? throw new InvalidOperationException(
                "The durable object runtime has no actor system: call .UseAkkaObjects(...) (or .UseAkkaCluster(...)) after AddDurableObjects(...).");
        // Everything, the id secret included, is kept in the objects' journal.
        var secret = _idOptions.Secret is { } configured ? Encoding.UTF8.GetBytes(configured)
            : await IdSecret.GetOrCreateAsync(_objects.System, cancellationToken);
        _ids = new IdCodec(secret);
        var interval = Options.CollectionInterval;
        _deadlines = Time.CreateTimer(static state => ((ObjectRuntime)state!).SweepDeadlines(), this, interval, interval);
        Log.Started(Logger, Options.Namespaces.Count);
        _started.TrySetResult();
    }

    public NamespaceRegistration GetNamespace(string name) =>
        Options.Namespaces.TryGetValue(name, out var registration) ? registration : throw new UnknownNamespaceException(name);

    /// <summary>Delivers a fetch to the object, on this node or on the node that hosts it.</summary>
    public Task<HttpResponseMessage> FetchAsync(DurableObjectId id, HttpRequestMessage request, CancellationToken cancellationToken) =>
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
        var e = new FetchEvent(id, Time.GetTimestamp(), request);
        Submit(e);
        return cancellationToken.CanBeCanceled ? e.Completion.WaitAsync(cancellationToken) : e.Completion;
    }

    /// <summary>Runs the object's alarm that was due at <paramref name="due"/> as a normal event (gates apply).</summary>
    public Task<bool> FireAlarm(DurableObjectId id, DateTimeOffset due, int retryCount)
    {
        var e = new AlarmEvent(id, Time.GetTimestamp(), due, retryCount);
        Submit(e);
        return e.Completion;
    }

    /// <summary>Admits an event and hands it to its object; throws <see cref="OverloadedException"/> when full.</summary>
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

    private void Admit(DurableObjectId id)
    {
        if (_stopping)
        {
            Metrics.Overloaded();
            throw new OverloadedException($"The node is shutting down; object {id} is not taking events here.", id);
        }
        if (Interlocked.Increment(ref _inFlight) > Options.MaxInFlightEventsPerNode)
        {
            EventFinished();
            Metrics.Overloaded();
            throw new OverloadedException(
                $"The node has {Options.MaxInFlightEventsPerNode} events in flight, its limit (Durable:Objects:MaxInFlightEventsPerNode).", id);
        }
    }

    /// <summary>Hands an admitted event to its object's shard region.</summary>
    private void Dispatch(ObjectEvent e)
    {
        var objects = _objects ?? throw new InvalidOperationException("The durable object runtime has not started yet.");
        _pending[e] = e.ArrivedAt;
        objects.Deliver(e);
    }

    /// <summary>An event was answered, failed or dropped (one sent to another node is finished when it completes, by
    /// <see cref="ForwardedFinished"/>).</summary>
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

    private void SweepDeadlines() =>
        ExpirePending(Time.GetTimestamp() - (long)(Options.EventDeadline.TotalSeconds * Time.TimestampFrequency));

    /// <summary>Fails the events that arrived at or before <paramref name="cutoff"/> and are still unanswered.</summary>
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

    /// <summary>Stops taking events and lets in-flight ones finish and their writes commit (sharding then passivates the
    /// objects as the actor system stops).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping) return;
        _stopping = true;
        Log.Stopping(Logger, InFlight, ActiveCount);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ShutdownTimeout);
        try
        {
            if (Volatile.Read(ref _inFlight) > 0) await _drained.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownTimedOut(Logger, InFlight, ActiveCount);
        }
        // Deadlines keep being swept while the node drains; none is left to sweep now.
        if (_deadlines is { } deadlines) await deadlines.DisposeAsync();
        Log.Stopped(Logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (_deadlines is { } deadlines) await deadlines.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.RuntimeStarted, LogLevel.Information, "Durable object runtime started with {NamespaceCount} namespaces")]
        public static partial void Started(ILogger logger, int namespaceCount);

        [LoggerMessage(LogEventIds.RuntimeStopping, LogLevel.Information, "Durable object runtime stopping: {InFlight} events in flight, {Active} objects active")]
        public static partial void Stopping(ILogger logger, int inFlight, int active);

        [LoggerMessage(LogEventIds.ShutdownTimedOut, LogLevel.Warning, "Shutdown timed out with {InFlight} events in flight and {Active} objects active")]
        public static partial void ShutdownTimedOut(ILogger logger, int inFlight, int active);

        [LoggerMessage(LogEventIds.RuntimeStopped, LogLevel.Information, "Durable object runtime stopped")]
        public static partial void Stopped(ILogger logger);
    }
}
