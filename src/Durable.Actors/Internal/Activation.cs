using System.Text.Json;
using Durable.Storage;

namespace Durable.Internal;

/// <summary>
/// The one live instance of an object on this node, with its mailbox, turn scheduler and gates.
/// It is a <see cref="SynchronizationContext"/>: the object's code runs only inside <see cref="Execute"/>, one thread at
/// a time, and every await inside it resumes back here, so object code never runs on two threads at once and events
/// interleave only at awaits (like a JavaScript event loop).
/// </summary>
internal sealed partial class Activation : SynchronizationContext, IThreadPoolWorkItem
{
    // Items run per thread-pool dispatch before yielding the thread (fairness between objects); the turn's writes are
    // sealed into one batch at the end of each dispatch.
    private const int TurnBudget = 128;

    [ThreadStatic]
    private static Activation? t_current;

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
        Key = ObjectKey.For(id);
        _name = id.Name;
        InputGate = new InputGate(this);
        _lastActive = runtime.Time.GetTimestamp();
    }

    /// <summary>The activation whose turn is running on this thread, if any.</summary>
    public static Activation? Running => t_current;

    public Lock Sync { get; } = new();

    public ObjectRuntime Runtime { get; }

    public NamespaceRegistration Namespace { get; }

    public DurableObjectId Id { get; }

    public ObjectKey Key { get; }

    public string? Name => Volatile.Read(ref _name);

    public InputGate InputGate { get; }

    public OutputGate OutputGate => _outputGate ?? throw new InvalidOperationException($"Object {Id} has not loaded its state yet.");

    public JsonSerializerOptions JsonOptions => Runtime.Options.Json;

    public ActivationStatus Status
    {
        get { lock (Sync) return _status; }
    }

    internal DurableObject? Instance => _instance;

    internal DurableObjectStorage? Storage => _storage;

    /// <summary>Holds a socket frame sent in this turn behind the turn's writes; false when it may go out now.</summary>
    public bool TryHoldOutput(IHeldOutput output) => _outputGate?.TryHold(output) ?? false;

    /// <summary>Remembers the name of a name-derived id that reaches an activation first made from the hex id.</summary>
    public void LearnName(string name) => Interlocked.CompareExchange(ref _name, name, null);

    /// <summary>Throws unless called from this activation's turn, on a live activation.</summary>
    public void EnterStorage()
    {
        if (t_current != this)
            throw new InvalidOperationException(
                $"The storage of object {Id} was used outside the object's turn (from another thread, or after ConfigureAwait(false)).");
        if (_status == ActivationStatus.Broken)
            throw new DurableObjectResetException($"Object {Id} was reset; this instance can no longer use storage.", null, Id);
    }

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
