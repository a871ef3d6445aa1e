using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Durable.Internal;
using Durable.Storage;

namespace Durable.Objects;

/// <summary>
/// One durable object: an entity of its namespace's shard region and an event-sourced persistent actor
/// (<c>PersistenceId</c> = <c>{namespace}/{id}</c>). What it promises:
/// <list type="bullet">
/// <item><b>Turns.</b> The object's code runs only inside this actor's message processing, under a
/// <see cref="SynchronizationContext"/> whose posts are messages to the actor itself: never two threads inside the
/// object, and events interleave only at awaits, in mailbox order. A call A → B → A does not deadlock, because an
/// awaiting object keeps processing messages.</item>
/// <item><b>Input gate.</b> During recovery (Akka stashes) and while a <c>BlockConcurrencyWhileAsync</c> callback, a
/// transaction or a history read runs, new events are stashed; continuations of started events still run.</item>
/// <item><b>Output gate.</b> A turn's writes apply to the in-memory state at once and are persisted as one
/// <see cref="BatchCommitted"/> event with <c>PersistAsync</c> when the turn ends; responses, socket frames and
/// broadcasts made after a write are held until the journal confirms it. A failed or rejected write resets the object:
/// held outputs fail with <see cref="DurableObjectResetException"/>, and a fresh instance recovers from the journal.</item>
/// <item><b>Passivation and handoff.</b> An object with no event for <c>IdleTimeout</c> (a timer on the actor system's
/// scheduler) asks its shard to passivate it. Sharding's stop message (passivation, handoff) stops the actor only once
/// its events, writes and <c>WaitUntil</c> tasks have finished; the shard buffers the object's messages meanwhile.</item>
/// <item><b>Bounds.</b> More than <c>MaxQueuedEventsPerObject</c> events taken and unfinished → <see cref="OverloadedException"/>.
/// An event whose caller gave up (its deadline passed) before it started is dropped unstarted.</item>
/// <item><b>Failures.</b> An exception outside a fetch (alarm, socket, channel handler, or code outside any event)
/// resets the object (actor restart → recovery; events not yet started wait for the new instance). A constructor
/// that throws fails every event with <see cref="InstantiationFailedException"/> and passivates the object, so the
/// next event tries again.</item>
/// </list>
/// </summary>
internal sealed partial class ObjectActor : PersistentActor, IWithTimers
{
    private readonly ObjectRuntime _runtime;
    private readonly NamespaceRegistration _namespace;
    private readonly Turns _turns;
    private readonly ObjectData _data;
    private readonly IActorRef _self;
    private readonly int _snapshotEvery;
    // Events this incarnation took and has not finished: started ones, and unstarted ones in the stash.
    private readonly HashSet<ObjectEvent> _admitted = new(ReferenceEqualityComparer.Instance);
    private DurableObject? _instance;
    private DurableObjectStorage? _storage;
    private OutputGate? _gate;
    private InstantiationFailedException? _instantiationFailure;
    private DurableObjectException? _broken;
    private string? _name;
    private int _inputLocks;
    private int _waitUntil;
    private bool _stopRequested;
    private long _snapshotSeq;
    private DateTimeOffset _lastCommit;
    private DateTimeOffset _lastEvent;
    private (Action Committed, Action<Exception> Failed)? _append;
    // The batch waiting for its alarm book's note before it is persisted.
    private JournalEvent? _noting;

    public ObjectActor(ObjectRuntime runtime, NamespaceRegistration @namespace, string entityId)
    {
        _runtime = runtime;
        _namespace = @namespace;
        Id = runtime.Ids.Parse(@namespace.Name, entityId);
        PersistenceId = PersistenceIdOf(Id);
        _data = new ObjectData(ObjectKey.For(Id));
        _turns = new Turns(this);
        _self = Self;
        _snapshotEvery = runtime.Options.SnapshotEvery;
    }

    public static Props Props(ObjectRuntime runtime, NamespaceRegistration @namespace, string entityId) =>
        Akka.Actor.Props.CreateBy(new ObjectActorProducer(runtime, @namespace, entityId));

    public DurableObjectId Id { get; }

    public override string PersistenceId { get; }

    /// <summary>The journal's name for the object's events: <c>{namespace}/{id}</c>.</summary>
    public static string PersistenceIdOf(DurableObjectId id) => $"{id.Namespace}/{id}";

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _runtime.Objects?.Started(Id, Self);
        base.PreStart();
    }

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ObjectSnapshot snapshot } offer:
                snapshot.RestoreInto(_data, offer.Metadata.SequenceNr);
                _snapshotSeq = offer.Metadata.SequenceNr;
                _lastCommit = snapshot.At;
                return true;
            case BatchCommitted committed:
                _data.Apply(new JournalEvent(LastSequenceNr, committed.At, committed.Batch));
                _lastCommit = committed.At;
                return true;
            case RecoveryCompleted:
                InTurn(Activate);
                GatherSockets();
                return true;
            default:
                return false;
        }
    }

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case ObjectEvent e:
                // Idle passivation counts from the last event, on Akka's scheduler (virtual in specs). One timer per
                // idle period, not per event: when it fires it looks at the time of the last event.
                _lastEvent = Context.System.Scheduler.Now;
                if (!Timers.IsTimerActive(ObjectProtocol.Idle.Instance)) ArmIdleTimer(_runtime.Options.IdleTimeout);
                InTurn(() => Admit(e));
                return true;
            case ObjectProtocol.Idle:
                var idleFor = Context.System.Scheduler.Now - _lastEvent;
                if (idleFor < _runtime.Options.IdleTimeout) ArmIdleTimer(_runtime.Options.IdleTimeout - idleFor);
                else if (!_stopRequested) Context.Parent.Tell(new Passivate(ObjectProtocol.Stop.Instance));
                return true;
            case ObjectProtocol.Continue c:
                // The continuations of a reset instance are abandoned: it can no longer touch storage or answer.
                if (_broken is null) InTurn(() => RunContinuation(c));
                return true;
            case ObjectProtocol.Stop:
                _stopRequested = true;
                StopIfIdle();
                return true;
            case ObjectProtocol.SocketsGathered gathered:
                var found = gathered.Found;
                foreach (var d in found.Sockets) _runtime.Sockets.Adopt(Id, d.SocketId, d.Tags, d.Attachment, d.Actor).NoteAutoResponse(d.AutoResponseAt);
                foreach (var d in found.Channels) _runtime.Sockets.AdoptChannel(Id, d.Topic, d.JoinRef, d.Actor, ChannelEventKind.Message);
                if (found.Missing.Length > 0)
                    ObjectLog.SocketsIncomplete(_runtime.Logger, Id, found.Sockets.Length + found.Channels.Length, string.Join(", ", found.Missing));
                UnlockInput();
                StopIfIdle();
                return true;
            case ObjectProtocol.AlarmBookNoted noted:
                AlarmBookAnswered(noted.Batch, null);
                return true;
            case ObjectProtocol.AlarmBookNoteFailed failed:
                AlarmBookAnswered(failed.Batch, failed.Cause);
                return true;
            case ObjectProtocol.Restart restart:
                throw new ObjectResetException(restart.Reason);
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure failed:
                ObjectLog.SnapshotFailed(_runtime.Logger, Id, failed.Metadata.SequenceNr, failed.Cause);
                return true;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return true;
            default:
                return false;
        }
    }

    private void Activate()
    {
        _storage = new DurableObjectStorage(_turns, _data);
        _gate = new OutputGate(_turns, LastSequenceNr);
        try
        {
            _instance = _namespace.Create(_runtime.Services, new DurableObjectState(_turns, _storage));
        }
        catch (Exception error)
        {
            var cause = error is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : error;
            ObjectLog.InstantiationFailed(_runtime.Logger, Id, cause);
            _instantiationFailure = new InstantiationFailedException(
                $"Object {Id} ({_namespace.Type.Name}) could not be constructed: {cause.Message}", cause, Id);
            Context.Parent.Tell(new Passivate(ObjectProtocol.Stop.Instance));
            return;
        }
        _runtime.Metrics.Activated();
        ObjectLog.Activated(_runtime.Logger, Id, LastSequenceNr);
    }

    private void Admit(ObjectEvent e)
    {
        if (_instantiationFailure is { } failure)
        {
            e.TryFail(failure);
            _admitted.Remove(e);
            _runtime.EventFinished(e);
            return;
        }
        if (!_admitted.Contains(e))
        {
            if (_admitted.Count >= _runtime.Options.MaxQueuedEventsPerObject)
            {
                _runtime.Metrics.Overloaded();
                e.TryFail(new OverloadedException(
                    $"Object {Id} has {_admitted.Count} events queued, its limit (Durable:Objects:MaxQueuedEventsPerObject).", Id));
                _runtime.EventFinished(e);
                return;
            }
            _admitted.Add(e);
            if (e.Target.Name is { } name) _name ??= name;
        }
        if (_broken is not null || _inputLocks > 0)
        {
            // Started by the next instance (after the restart) or when the gate opens; order is kept.
            Stash.Stash();
            return;
        }
        Start(e);
    }

    private void Start(ObjectEvent e)
    {
        e.Started = true;
        if (e.IsCompleted)
        {
            // Its caller already has an error (the deadline passed while it waited).
            Finish(e);
            return;
        }
        _ = RunEventAsync(e);
    }

    private async Task RunEventAsync(ObjectEvent e)
    {
        try
        {
            await e.InvokeAsync(_turns);
        }
        catch (Exception error)
        {
            e.SetHandlerError(error);
            if (e.ErrorResetsObject && _broken is null)
            {
                ObjectLog.Crashed(_runtime.Logger, Id, error);
                Break(new DurableObjectResetException($"Object {Id} was reset after its {e.Describe()} handler threw: {error.Message}", error, Id));
            }
        }
        if (_broken is not null) return;
        _gate!.Hold(e);
    }

    private void RunContinuation(ObjectProtocol.Continue c)
    {
        try
        {
            c.Callback(c.State);
        }
        catch (Exception error)
        {
            // Only code outside any event's task gets here (async void, a raw Post): a crash of the object.
            ObjectLog.Crashed(_runtime.Logger, Id, error);
            Break(new DurableObjectResetException($"Object {Id} was reset after an unhandled exception: {error.Message}", error, Id));
        }
    }

    private void Finish(ObjectEvent e)
    {
        if (_admitted.Remove(e)) _runtime.EventFinished(e);
    }

    private void Deliver(ObjectEvent e)
    {
        Finish(e);
        e.Deliver();
    }

    /// <summary>
    /// Resets the object: started events fail with <paramref name="reason"/>, the instance is abandoned, and the actor
    /// restarts (Akka keeps the stash and mailbox across a restart, so unstarted events reach the fresh instance).
    /// </summary>
    private void Break(DurableObjectException reason)
    {
        if (_broken is not null) return;
        _broken = reason;
        _runtime.Metrics.Reset();
        ObjectLog.Reset(_runtime.Logger, Id, reason.Message);
        foreach (var e in _admitted.Where(e => e.Started).ToList())
        {
            e.TryFail(reason);
            Finish(e);
        }
        _self.Tell(new ObjectProtocol.Restart(reason));
    }

    /// <summary>Runs <paramref name="work"/> as (part of) the object's turn, then ends the turn: seals its writes.</summary>
    private void InTurn(Action work)
    {
        var previousContext = SynchronizationContext.Current;
        var previous = _turns.EnterTurn();
        try
        {
            work();
            if (_gate is not null && _storage?.InTransaction != true && _broken is null) _gate.Seal();
        }
        finally
        {
            Turns.LeaveTurn(previous, previousContext);
        }
        StopIfIdle();
    }

    private void ArmIdleTimer(TimeSpan after) =>
        Timers.StartSingleTimer(ObjectProtocol.Idle.Instance, ObjectProtocol.Idle.Instance, after);

    private void StopIfIdle()
    {
        if (!_stopRequested || _admitted.Count > 0 || _waitUntil > 0 || _inputLocks > 0) return;
        if (_gate is { IsIdle: false }) return;
        Context.Stop(Self);
    }

    /// <summary>
    /// In a cluster of more than one node, the object's sockets may have connections on other nodes that this node never
    /// saw (its shard moved here, or it hibernated here before they connected elsewhere): the input gate stays shut until
    /// every other Up member's socket directory answered (at most <see cref="SocketGatherBound"/>), so its first event
    /// sees them all in <c>GetWebSockets</c> and its broadcasts reach every Phoenix subscriber. A single node has nothing to ask: its registry is the edge's.
    /// </summary>
    private void GatherSockets()
    {
        if (_runtime.Objects is not { HasPeers: true } objects) return;
        LockInput();
        objects.Directory.GatherAsync(Id, SocketGatherBound)
            .PipeTo(_self, success: found => new ObjectProtocol.SocketsGathered(found),
                failure: error => new ObjectProtocol.SocketsGathered(new GatheredSockets([], [], [error.Message])));
    }

    /// <summary>How long a starting object waits for the other nodes' socket directories.</summary>
    internal static readonly TimeSpan SocketGatherBound = TimeSpan.FromSeconds(2);

    private void LockInput() => _inputLocks++;

    private void UnlockInput()
    {
        if (_inputLocks == 0) throw new InvalidOperationException($"Object {Id}: the input gate was unlocked more often than locked.");
        if (--_inputLocks == 0) Stash.UnstashAll();
    }

    private void Append(JournalEvent journalEvent, Action committed, Action<Exception> failed)
    {
        _append = (committed, failed);
        if (journalEvent.Batch is { AlarmChanged: true, Alarm: { } due })
        {
            // A commit that sets an alarm waits until the alarm's book has noted it, so no committed alarm is ever
            // missing from its book (AlarmBook). Appends are one at a time, so this holds the batches behind it too.
            _noting = journalEvent;
            _runtime.Objects!.Books.NoteAsync(Id, due).PipeTo(_self,
                success: () => new ObjectProtocol.AlarmBookNoted(journalEvent),
                failure: error => new ObjectProtocol.AlarmBookNoteFailed(journalEvent, error));
            return;
        }
        Commit(journalEvent);
    }

    private void Commit(JournalEvent journalEvent)
    {
        PersistAsync(new BatchCommitted(journalEvent.Time, journalEvent.Batch), persisted => InTurn(() =>
        {
            var (done, _) = _append!.Value;
            _append = null;
            _lastCommit = persisted.At;
            // Before done(): the next batch's note must reach the book after this confirmation, not before it.
            if (persisted.Batch.AlarmChanged) _runtime.Objects!.Books.Confirm(Id, persisted.Batch.Alarm);
            done();
            MaybeSnapshot();
        }));
    }

    private void AlarmBookAnswered(JournalEvent journalEvent, Exception? error)
    {
        // An answer for an earlier incarnation (the actor restarted since), or for a reset one, is ignored.
        if (!ReferenceEquals(journalEvent, _noting) || _broken is not null) return;
        _noting = null;
        if (error is null)
        {
            Commit(journalEvent);
            return;
        }
        InTurn(() => FailAppend(new InvalidOperationException(
            $"the alarm book of object {Id} did not note its alarm due {journalEvent.Batch.Alarm:O} ({error.Message})", error)));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // Akka stops the actor right after this: fail what waits on the write now, inside the turn.
        InTurn(() => FailAppend(cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        InTurn(() => FailAppend(cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void FailAppend(Exception cause)
    {
        if (_append is not { } append) return;
        _append = null;
        append.Failed(cause);
    }

    private void MaybeSnapshot()
    {
        // Only when nothing is pending is the in-memory state exactly the state after LastSequenceNr.
        if (_snapshotEvery <= 0 || LastSequenceNr - _snapshotSeq < _snapshotEvery || _gate is not { IsIdle: true }) return;
        _snapshotSeq = LastSequenceNr;
        SaveSnapshot(ObjectSnapshot.Of(_data));
    }

    protected override void PostStop()
    {
        _runtime.Objects?.Stopped(Id, Self);
        if (_instance is not null && _broken is null) _runtime.Metrics.Passivated();
        ObjectLog.Stopped(_runtime.Logger, Id);
        base.PostStop();
    }

    private async Task<T> BlockConcurrencyWhileAsync<T>(Func<Task<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (ObjectContext.Running != _turns)
            throw new InvalidOperationException($"BlockConcurrencyWhileAsync of object {Id} was called outside the object's turn.");
        LockInput();
        var locked = true;
        var timeout = _runtime.Options.BlockConcurrencyTimeout;
        try
        {
            return await callback().WaitAsync(timeout, _runtime.Time);
        }
        catch (Exception error)
        {
            // Cloudflare's rule: a failed or timed-out critical section resets the object.
            locked = false;
            var message = error is TimeoutException
                ? $"Object {Id} was reset: BlockConcurrencyWhileAsync ran longer than {timeout.TotalSeconds:0.###} s."
                : $"Object {Id} was reset: its BlockConcurrencyWhileAsync callback threw: {error.Message}";
            Break(new DurableObjectResetException(message, error, Id));
            throw;
        }
        finally
        {
            if (locked) UnlockInput();
        }
    }

    private async Task TrackAsync(Task task)
    {
        _waitUntil++;
        try
        {
            await task;
        }
        catch (Exception error)
        {
            ObjectLog.WaitUntilFailed(_runtime.Logger, Id, error);
        }
        finally
        {
            _waitUntil--;
        }
    }

    /// <summary>Thrown inside the actor to have its supervisor restart it after a reset.</summary>
    private sealed class ObjectResetException(DurableObjectException reason) : Exception(reason.Message, reason);
}
