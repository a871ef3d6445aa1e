namespace Durable.Objects;

/// <summary>
/// The messages an <see cref="ObjectActor"/> takes besides the object's events (fetches, alarms, socket and channel
/// events, which arrive as <c>ObjectEvent</c>s through the namespace's shard region).
/// </summary>
internal static class ObjectProtocol
{
    /// <summary>
    /// Sharding's stop message (idle passivation, handoff, shutdown): the object stops once its in-flight events and
    /// writes have finished; until then the shard buffers the object's new messages.
    /// </summary>
    public sealed record Stop
    {
        public static readonly Stop Instance = new();

        private Stop()
        {
        }
    }

    /// <summary>
    /// The object received no event for <c>IdleTimeout</c>: it asks its shard to passivate it (the shard then sends
    /// <see cref="Stop"/> and buffers the object's messages until it has stopped).
    /// </summary>
    public sealed record Idle
    {
        public static readonly Idle Instance = new();

        private Idle()
        {
        }
    }

    /// <summary>An await inside the object's code resumed: run the continuation in the object's turn.</summary>
    public sealed record Continue(SendOrPostCallback Callback, object? State);

    /// <summary>The object was reset: restart the actor, which recovers a fresh instance from the journal.</summary>
    public sealed record Restart(DurableObjectException Reason);

    /// <summary>The alarm book has noted the alarm <paramref name="Batch"/> sets: persist the batch now.</summary>
    public sealed record AlarmBookNoted(Storage.JournalEvent Batch);

    /// <summary>The alarm book could not note the alarm <paramref name="Batch"/> sets: the commit fails (the object resets).</summary>
    public sealed record AlarmBookNoteFailed(Storage.JournalEvent Batch, Exception Cause);

    /// <summary>The other nodes' sockets and subscriptions of a starting object (<see cref="SocketDirectory"/>), and who did not answer.</summary>
    public sealed record SocketsGathered(GatheredSockets Found);
}
