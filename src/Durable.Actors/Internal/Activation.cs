using System.Text.Json;
using Durable.Storage;

namespace Durable.Internal;

/// <summary>
/// The one live instance of an object on this node, with its mailbox, turn scheduler and gates.
/// It is a <see cref="SynchronizationContext"/>: the object's code runs only inside <see cref="Execute"/>, one thread at
/// a time, and every await inside it resumes back here, so object code never runs on two threads at once and events
/// interleave only at awaits (like a JavaScript event loop).
/// </summary>
internal sealed partial class Activation : ObjectContext, IThreadPoolWorkItem
{
    // Items run per thread-pool dispatch before yielding the thread (fairness between objects); the turn's writes are
    // sealed into one batch at the end of each dispatch.
    private const int TurnBudget = 128;

    private ActivationStatus _status;
    private bool _scheduled;
    private int _startClaimed;
    // Continuations posted to this context, oldest first: the oldest in the two fields (most turns never have more
    // than one waiting), the rest in the queue, which exists only once two have waited at once. The fields are filled
    // only while the queue is empty, so what they hold is always older than anything queued.
    private SendOrPostCallback? _firstContinuation;
    private object? _firstContinuationState;
    private Queue<(SendOrPostCallback Callback, object? State)>? _continuations;
    private ObjectEvent? _head;
    private ObjectEvent? _tail;
    private ObjectEvent? _nextToStart;
    private int _eventCount;
    private int _waitUntilCount;
    private long _lastActive;
    private string? _name;
    private DurableObject? _instance;
    private DurableObjectStorage? _storage;
    private OutputGate? _outputGate;

    public Activation(ObjectRuntime runtime, NamespaceRegistration @namespace, DurableObjectId id)
    {
        Runtime = runtime;
        Namespace = @namespace;
        Id = id;
        _name = id.Name;
        InputGate = new InputGate(this);
        _lastActive = runtime.Time.GetTimestamp();
    }

    public Lock Sync { get; } = new();

    public ObjectRuntime Runtime { get; }

    public NamespaceRegistration Namespace { get; }

    public override DurableObjectId Id { get; }

    public override string? Name => Volatile.Read(ref _name);

    public InputGate InputGate { get; }

    public override OutputGate OutputGate => _outputGate ?? throw new InvalidOperationException($"Object {Id} has not loaded its state yet.");

    public override JsonSerializerOptions JsonOptions => Runtime.Options.Json;

    public override bool IsBroken => _status == ActivationStatus.Broken;

    public override SocketRegistry Sockets => Runtime.Sockets;

    public override DurableMetrics Metrics => Runtime.Metrics;

    public override TimeProvider Time => Runtime.Time;

    protected override bool IsStarted => _outputGate is not null;

    public override void LockInput() => InputGate.Lock();

    public override void UnlockInput() => InputGate.Unlock();

    public override void Append(JournalEvent journalEvent, Action committed, Action<Exception> failed) =>
        _ = AppendAsync(journalEvent, committed, failed);

    // Started inside the turn, so the await resumes on this activation's context and the callbacks run in the turn.
    private async Task AppendAsync(JournalEvent journalEvent, Action committed, Action<Exception> failed)
    {
        try
        {
            await Runtime.Storage.AppendAsync(Key, journalEvent, CancellationToken.None);
        }
        catch (Exception error)
        {
            failed(error);
            return;
        }
        if (journalEvent.Batch.AlarmChanged) Runtime.Alarms.OnCommitted(Id, journalEvent.Batch.Alarm);
        committed();
    }

    public override Task<JournalPosition> FindPositionAsync(DateTimeOffset? time) =>
        Runtime.Storage.FindPositionAsync(Key, time, CancellationToken.None);

    public override Task<ObjectData> LoadHistoryAsync(long seq) => Runtime.Storage.LoadAsync(Key, seq, CancellationToken.None);

    public ActivationStatus Status
    {
        get { lock (Sync) return _status; }
    }

    public override DurableObject? Instance => _instance;

    public override DurableObjectStorage? Storage => _storage;

    /// <summary>Remembers the name of a name-derived id that reaches an activation first made from the hex id.</summary>
    public void LearnName(string name) => Interlocked.CompareExchange(ref _name, name, null);

    private void Transition(ActivationStatus to)
    {
        var legal = (_status, to) switch
        {
            (ActivationStatus.Loading, ActivationStatus.Active) => true,
            (ActivationStatus.Loading, ActivationStatus.Broken) => true,
            (ActivationStatus.Active, ActivationStatus.Deactivated) => true,
            (ActivationStatus.Active, ActivationStatus.Broken) => true,
            _ => false,
        };
        if (!legal) throw new InvalidOperationException($"Object {Id}: illegal activation transition {_status} -> {to}.");
        _status = to;
    }
}
