namespace Durable;

/// <summary>
/// One subscriber of the object's channel: a Phoenix socket (at an edge node) that joined topic
/// <c>{namespace}:{name}</c>. Like sockets, subscribers live at the edge and survive the object's hibernation; pushes
/// made in a turn go out once that turn's writes are durable.
/// </summary>
public abstract class DurableChannel
{
    /// <summary>The joined topic, <c>{namespace}:{name}</c>.</summary>
    public abstract string Topic { get; }

    /// <summary>Sends <paramref name="event"/> with <paramref name="payload"/> (serialized as JSON) to this subscriber only.</summary>
    public abstract void Push(string @event, object? payload);
}
