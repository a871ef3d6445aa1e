using Durable.Storage;

namespace Durable.Internal;

/// <summary>
/// The output gate of one activation (Cloudflare's). What it promises:
/// <list type="bullet">
/// <item>Writes made during a turn collect in the open batch; at the end of the turn the batch is sealed and appended
/// to the journal as one atomic event.</item>
/// <item>Batches are appended strictly in order, one at a time, with consecutive sequence numbers; batches sealed while
/// an append is in flight are merged and appended next (they were going to commit together anyway).</item>
/// <item>A held result (a response, an outgoing socket frame, a durability waiter) is released only when every batch sealed before it, and the
/// batch open when it was held, is durable. With nothing pending, it is released at once.</item>
/// <item>When an append fails (conflict, or unknown outcome), every held result fails with a reset error, nothing
/// further is appended, and the activation is reset so the next event sees only durable state.</item>
/// </list>
/// All members run inside the activation's turn.
/// </summary>
internal sealed class OutputGate(ObjectContext owner, long durableSeq)
{
    private Pending? _open;
    private Pending? _next;
    private Pending? _inFlight;
    private long _seq = durableSeq;
    private Exception? _failure;

    public WriteBatch OpenBatch => (_open ??= new Pending(new WriteBatch())).Batch;

    public bool IsIdle => _open is null && _next is null && _inFlight is null;

    public void ReplaceOpenBatch(WriteBatch batch) => (_open ??= new Pending(batch)).Batch = batch;

    /// <summary>Delivers the event's outcome once everything written before it is durable.</summary>
    public void Hold(ObjectEvent e)
    {
        if (Newest is { } pending) pending.Add(e);
        else owner.Deliver(e);
    }

    /// <summary>
    /// Holds an outgoing socket frame until everything written so far is durable; false when nothing is pending (send it
    /// now). When the commit fails the frame is dropped: no client sees a state that was not stored.
    /// </summary>
    public bool TryHold(IHeldOutput output)
    {
        if (_failure is not null) return true;
        if (Newest is not { } pending) return false;
        pending.Add(output);
        return true;
    }

    /// <summary>Completes when everything written so far is durable; faults if that fails.</summary>
    public Task WhenDurableAsync()
    {
        if (_failure is not null) return Task.FromException(Reset(_failure));
        if (Newest is not { } pending) return Task.CompletedTask;
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pending.Add(waiter);
        return waiter.Task;
    }

    /// <summary>Ends the turn's batch: appends it, or queues it behind the append in flight.</summary>
    public void Seal()
    {
        if (_open is not { } sealing || _failure is not null) return;
        _open = null;
        if (sealing.Batch.IsEmpty)
        {
            if ((_next ?? _inFlight) is { } earlier) earlier.Absorb(sealing, mergeBatch: false);
            else sealing.Release(owner);
            return;
        }
        if (_inFlight is null)
        {
            _inFlight = sealing;
            Append(sealing);
        }
        else if (_next is null) _next = sealing;
        else _next.Absorb(sealing, mergeBatch: true);
    }

    private Pending? Newest => _open ?? _next ?? _inFlight;

    private void Append(Pending pending)
    {
        var journalEvent = new JournalEvent(++_seq, owner.Time.GetUtcNow(), pending.Batch);
        owner.Append(journalEvent, () => Committed(pending), Fail);
    }

    private void Committed(Pending pending)
    {
        owner.Metrics.Committed(pending.Batch.Count);
        _inFlight = null;
        pending.Release(owner);
        if (_next is { } next)
        {
            _next = null;
            _inFlight = next;
            Append(next);
        }
        owner.ScheduleIfRunnable();
    }

    private void Fail(Exception error)
    {
        if (_failure is not null) return;
        _failure = error;
        var reset = Reset(error);
        foreach (var pending in new[] { _inFlight, _next, _open })
            pending?.Fail(reset);
        _inFlight = _next = _open = null;
        owner.Break(reset);
    }

    private DurableObjectResetException Reset(Exception error) =>
        new($"Object {owner.Id} was reset: committing its writes failed ({error.Message}).", error, owner.Id);

    private sealed class Pending(WriteBatch batch)
    {
        private List<object>? _held;

        public WriteBatch Batch { get; set; } = batch;

        public void Add(object holder) => (_held ??= []).Add(holder);

        public void Absorb(Pending later, bool mergeBatch)
        {
            if (mergeBatch) Batch.Append(later.Batch);
            if (later._held is not null) (_held ??= []).AddRange(later._held);
        }

        public void Release(ObjectContext owner)
        {
            if (_held is null) return;
            foreach (var holder in _held)
            {
                if (holder is ObjectEvent e) owner.Deliver(e);
                else if (holder is IHeldOutput output) output.Release();
                else ((TaskCompletionSource)holder).TrySetResult();
            }
        }

        public void Fail(Exception error)
        {
            if (_held is null) return;
            foreach (var holder in _held)
            {
                if (holder is ObjectEvent e) e.TryFail(error);
                else if (holder is IHeldOutput) continue;
                else ((TaskCompletionSource)holder).TrySetException(error);
            }
        }
    }
}
