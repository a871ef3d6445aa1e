namespace Durable.Internal;

/// <summary>
/// The input gate of one activation (Cloudflare's): while any lock is held, no new event (request, alarm, socket
/// message) starts. Events that already started keep running: their continuations are not new events. Locks are held
/// while the object's state is loaded, while a <c>BlockConcurrencyWhileAsync</c> callback runs, while a transaction
/// runs, and while any storage read goes to the provider. The count is changed under the activation's lock so that a
/// thread enqueuing an event sees the same gate as the turn.
/// </summary>
internal sealed class InputGate(Activation owner)
{
    private int _locks;

    public bool IsOpen => Volatile.Read(ref _locks) == 0;

    public void Lock()
    {
        lock (owner.Sync) _locks++;
    }

    public void Unlock()
    {
        lock (owner.Sync)
        {
            if (_locks == 0) throw new InvalidOperationException($"Object {owner.Id}: the input gate was unlocked more often than locked.");
            _locks--;
        }
        owner.ScheduleIfRunnable();
    }
}
