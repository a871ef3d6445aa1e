using Akka.Actor;
using Akka.Persistence;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.Logging;
using static Durable.Objects.AlarmBookProtocol;

namespace Durable.Objects;

/// <summary>
/// The alarm book of one (namespace, shard): an event-sourced entity of the <c>alarm-books</c> region, which runs with
/// remember-entities, so every book (with its entries) is started again when its node starts or its shard fails over. What it
/// promises:
/// <list type="bullet">
/// <item><b>No committed alarm is missing.</b> An object notes an alarm here, and waits for the note to be durable,
/// before the commit that carries it (<see cref="NoteAlarm"/>). An entry whose commit then failed is harmless: an
/// <see cref="AlarmEvent"/> runs the handler only when the object's stored alarm equals its due time, so a stale entry
/// fires once, is answered "stale", and is dropped. Entries are dropped only by an attempt's outcome or by a
/// <see cref="ConfirmAlarm"/> the object sends after a commit and before its next note.</item>
/// <item><b>One timer</b> (<see cref="IWithTimers"/>), armed for the earliest due entry, its delay computed from the
/// runtime's <see cref="TimeProvider"/>; recovery re-arms it, so alarms due while the node was down fire at once.</item>
/// <item><b>At least once, through the object's region</b>, so a due alarm wakes a passivated object. Exactly once when
/// nothing fails: an entry leaves the book when the object reports the handler ran (its writes durable) or the alarm
/// was stale.</item>
/// <item><b>Retries</b>: a failed attempt is retried 2 s later, doubling, 6 times (<see cref="AlarmBookState.AfterFailure"/>);
/// then the entry stays visible (<see cref="GetAlarms"/>) and fires no more. A new set of the alarm starts it afresh.</item>
/// <item>A book never passivates itself: once started it stays (and stays remembered), so the region holds at most one
/// small actor per (namespace, shard). Letting an empty book passivate raced with notes arriving meanwhile (answers
/// were lost in the shard's passivation buffer in our specs); the memory saved is not worth that.</item>
/// </list>
/// </summary>
internal sealed partial class AlarmBook : PersistentActor, IWithTimers
{
    private const string FireTimer = "fire";
    private readonly IAlarmTarget _target;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _snapshotEvery;
    // Attempts running now, by entry version: an entry is never fired twice at once.
    private readonly Dictionary<long, ObjectKey> _running = [];
    private AlarmBookState _state = AlarmBookState.Empty;
    private long _snapshotSeq;
    // Events applied whose write has not been confirmed yet.
    private int _writing;

    public AlarmBook(string bookId, IAlarmTarget target, TimeProvider time, ILogger logger, int snapshotEvery)
    {
        BookId = bookId;
        PersistenceId = "alarm-book/" + bookId;
        _target = target;
        _time = time;
        _logger = logger;
        _snapshotEvery = snapshotEvery;
    }

    public static Props Props(string bookId, IAlarmTarget target, TimeProvider time, ILogger logger, int snapshotEvery = 500) =>
        Akka.Actor.Props.Create(() => new AlarmBook(bookId, target, time, logger, snapshotEvery));

    /// <summary>The book's entity id: <c>{namespace}/{shard}</c>.</summary>
    public string BookId { get; }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: AlarmBookSnapshot snapshot } offer:
                _state = snapshot.State;
                _snapshotSeq = offer.Metadata.SequenceNr;
                return true;
            case IBookEvent e:
                _state = _state.Apply(e);
                return true;
            case RecoveryCompleted:
                BookLog.Recovered(_logger, BookId, _state.Count);
                Arm();
                return true;
            default:
                return false;
        }
    }

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case NoteAlarm note:
                var sender = Sender;
                Record(new AlarmNoted(note.Object, note.Due), () => sender.Tell(new AlarmNoteResult(note.Object, note.Due)));
                return true;
            case Settle:
                Sender.Tell(Settled.Instance);
                return true;
            case ConfirmAlarm confirm:
                var confirmed = new AlarmConfirmed(confirm.Object, confirm.Due);
                // Nothing to record when the book already holds exactly that.
                if (!SameEntries(_state.Apply(confirmed), _state)) Record(confirmed);
                return true;
            case GetAlarms get:
                // Answered once every event applied so far is durable: what it says survives a crash.
                var asker = Sender;
                DeferAsync(get, _ => asker.Tell(new AlarmBookResult(_state.Of(get.Object).ToList())));
                return true;
            case Fire:
                FireDue();
                return true;
            case AttemptEnded ended:
                Ended(ended);
                return true;
            case Stop:
                // Handoff or shutdown: remember-entities starts the book again where its shard goes next.
                Context.Stop(Self);
                return true;
            case SaveSnapshotSuccess saved:
                DeleteMessages(saved.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure or DeleteMessagesSuccess or DeleteMessagesFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return true;
            default:
                return false;
        }
    }

    private static bool SameEntries(AlarmBookState a, AlarmBookState b) =>
        a.Count == b.Count && a.Entries.All(e => b.Find(e.Object, e.Due) == e);

    /// <summary>
    /// Applies <paramref name="e"/> now and persists it; <paramref name="whenDurable"/> runs once it is. Applying before
    /// the write is safe: a failed write stops the book, which recovers from what is durable, and the only promise that
    /// needs durability (a note's answer) waits for it.
    /// </summary>
    private void Record(IBookEvent e, Action? whenDurable = null)
    {
        _state = _state.Apply(e);
        _writing++;
        PersistAsync(e, _ =>
        {
            _writing--;
            whenDurable?.Invoke();
            // A snapshot only when every applied event is durable: it then is exactly the state after LastSequenceNr.
            if (_writing == 0 && _snapshotEvery > 0 && LastSequenceNr - _snapshotSeq >= _snapshotEvery)
            {
                _snapshotSeq = LastSequenceNr;
                SaveSnapshot(new AlarmBookSnapshot(_state));
            }
        });
        Arm();
    }

    private void Arm()
    {
        if (_state.NextFireAt(e => _running.ContainsKey(e.Version)) is not { } next)
        {
            Timers.Cancel(FireTimer);
            return;
        }
        var delay = next - _time.GetUtcNow();
        if (delay > TimeSpan.Zero)
        {
            Timers.StartSingleTimer(FireTimer, Fire.Instance, delay);
            return;
        }
        // Already due: no timer (a scheduler may run a zero delay only at its next tick).
        Timers.Cancel(FireTimer);
        Self.Tell(Fire.Instance);
    }

    private void FireDue()
    {
        var now = _time.GetUtcNow();
        foreach (var entry in _state.DueAt(now).Where(e => !_running.ContainsKey(e.Version)).ToList())
        {
            _running[entry.Version] = entry.Object;
            Task<bool> attempt;
            try
            {
                attempt = _target.FireAsync(entry.Object, entry.Due, entry.RetryCount);
            }
            catch (Exception error)
            {
                attempt = Task.FromException<bool>(error);
            }
            attempt.PipeTo(Self,
                success: ran => new AttemptEnded(entry, ran, null),
                failure: error => new AttemptEnded(entry, false, error));
        }
        Arm();
    }

    private void Ended(AttemptEnded ended)
    {
        var entry = ended.Entry;
        if (!_running.Remove(entry.Version)) return;
        try
        {
            RecordOutcome(ended);
        }
        finally
        {
            _target.Settled(entry.Object);
        }
    }

    private void RecordOutcome(AttemptEnded ended)
    {
        var entry = ended.Entry;
        if (ended.Error is null)
        {
            Record(new AlarmFinished(entry.Object, entry.Due, entry.Version));
            return;
        }
        var error = ended.Error is AggregateException { InnerException: { } inner } ? inner : ended.Error;
        var counts = error is not (OverloadedException or AlarmTargetNotReadyException);
        var retry = AlarmBookState.AfterFailure(entry, _time.GetUtcNow(), counts);
        if (retry.FireAt is null)
        {
            BookLog.Exhausted(_logger, entry.Object.ToString(), entry.Due, entry.RetryCount + 1, error);
            _target.Exhausted(entry.Object, entry.Due);
        }
        else if (counts) BookLog.Retrying(_logger, entry.Object.ToString(), retry.RetryCount, (retry.FireAt.Value - _time.GetUtcNow()).TotalSeconds, error.Message);
        Record(retry);
    }

    protected override void PreStart()
    {
        _target.BookStarted(Self);
        base.PreStart();
    }

    protected override void PostStop()
    {
        _target.BookStopped(Self);
        // Outcomes still to come die with this incarnation; the next one fires those entries again.
        foreach (var key in _running.Values) _target.Settled(key);
        _running.Clear();
        base.PostStop();
    }

    /// <summary>The book's timer: fire what is due.</summary>
    private sealed record Fire
    {
        public static readonly Fire Instance = new();
    }

    /// <summary>An attempt's outcome: the handler ran (true) or the alarm was stale (false), or it failed.</summary>
    private sealed record AttemptEnded(AlarmBookEntry Entry, bool Ran, Exception? Error);

    private static partial class BookLog
    {
        [LoggerMessage(LogEventIds.AlarmBookRecovered, LogLevel.Debug, "Alarm book {BookId} recovered with {Entries} entries")]
        public static partial void Recovered(ILogger logger, string bookId, int entries);

        [LoggerMessage(LogEventIds.AlarmRetrying, LogLevel.Warning, "Object {ObjectId}: alarm handler failed; retry {Retry} in {DelaySeconds} s: {Reason}")]
        public static partial void Retrying(ILogger logger, string objectId, int retry, double delaySeconds, string reason);

        [LoggerMessage(LogEventIds.AlarmDropped, LogLevel.Error, "Object {ObjectId}: alarm due {Due} failed {Attempts} times; kept in its book, not retried")]
        public static partial void Exhausted(ILogger logger, string objectId, DateTimeOffset due, int attempts, Exception error);
    }
}

/// <summary>A book's snapshot: its whole state.</summary>
internal sealed record AlarmBookSnapshot(AlarmBookState State);

/// <summary>Where a book's alarms run: the object's <see cref="AlarmEvent"/>, sent through its namespace's region.</summary>
internal interface IAlarmTarget
{
    /// <summary>
    /// Runs the alarm of <paramref name="key"/> that was due at <paramref name="due"/>: true when the handler ran and its
    /// writes are durable, false when the object's alarm is no longer that time; faults when the attempt failed.
    /// </summary>
    Task<bool> FireAsync(ObjectKey key, DateTimeOffset due, int retryCount);

    /// <summary>The book has recorded the outcome of an attempt <see cref="FireAsync"/> started (its timer is armed again),
    /// or stopped without it.</summary>
    void Settled(ObjectKey key);

    /// <summary>The alarm's retries are used up: the book keeps it and fires it no more.</summary>
    void Exhausted(ObjectKey key, DateTimeOffset due);

    /// <summary>A book's actor started (or restarted).</summary>
    void BookStarted(IActorRef book);

    /// <summary>A book's actor stopped (or is restarting).</summary>
    void BookStopped(IActorRef book);
}

/// <summary>The node cannot run alarms yet (its runtime is starting): try again soon, without using up a retry.</summary>
internal sealed class AlarmTargetNotReadyException(string message) : Exception(message);
