using System.Collections.Concurrent;
using System.Text.Json;
using Durable.Hosting;

namespace Durable.Internal;

/// <summary>
/// The node's sockets and channel subscribers, by object. What it promises:
/// <list type="bullet">
/// <item>Sockets, their tags and attachments, subscribers and the auto-response pair of an object live here, not in its
/// activation: passivating the object (hibernation) leaves them connected and intact, and the next activation sees the
/// same <see cref="DurableWebSocket"/> instances.</item>
/// <item>An object never holds more than <see cref="DurableWebSocketOptions.MaxSocketsPerObject"/> sockets plus
/// subscribers.</item>
/// <item>Entries with nothing left in them are removed, so an object with no sockets costs nothing here.</item>
/// </list>
/// </summary>
internal sealed class SocketRegistry(DurableWebSocketOptions options, JsonSerializerOptions json)
{
    private readonly ConcurrentDictionary<DurableObjectId, ObjectSockets> _objects = new();
    private int _open;

    public DurableWebSocketOptions Options { get; } = options;

    public JsonSerializerOptions Json { get; } = json;

    /// <summary>Sockets and subscribers open on this node.</summary>
    public int OpenCount => Volatile.Read(ref _open);

    public ObjectSockets? Find(DurableObjectId id) => _objects.GetValueOrDefault(id);

    /// <summary>Registers a socket for <paramref name="id"/>; null when the object is at its limit.</summary>
    public HibernatableSocket? TryAdd(DurableObjectId id, string[] tags)
    {
        while (true)
        {
            var entry = _objects.GetOrAdd(id, static (key, self) => new ObjectSockets(self, key), this);
            var socket = new HibernatableSocket(entry, tags);
            switch (entry.TryAdd(socket, Options.MaxSocketsPerObject))
            {
                case true:
                    Interlocked.Increment(ref _open);
                    return socket;
                case false:
                    return null;
            }
        }
    }

    /// <summary>Registers an admitted subscriber; false when the object is at its limit.</summary>
    public bool TryAdd(ChannelSubscription channel)
    {
        while (true)
        {
            var entry = _objects.GetOrAdd(channel.Target, static (key, self) => new ObjectSockets(self, key), this);
            switch (entry.TryAdd(channel, Options.MaxSocketsPerObject))
            {
                case true:
                    channel.Owner = entry;
                    Interlocked.Increment(ref _open);
                    return true;
                case false:
                    return false;
            }
        }
    }

    public void Remove(HibernatableSocket socket)
    {
        if (socket.Owner.Remove(socket)) Interlocked.Decrement(ref _open);
        socket.MarkClosed();
    }

    public void Remove(ChannelSubscription channel)
    {
        if (channel.Owner?.Remove(channel) == true) Interlocked.Decrement(ref _open);
    }

    public void SetAutoResponse(DurableObjectId id, AutoResponse? pair)
    {
        while (true)
        {
            var entry = pair is null ? Find(id) : _objects.GetOrAdd(id, static (key, self) => new ObjectSockets(self, key), this);
            if (entry is null || entry.SetAutoResponse(pair) is not null) return;
        }
    }

    /// <summary>
    /// Ends every socket and subscription of the objects <paramref name="select"/> picks (their shard left this node): a
    /// socket gets a close frame with <paramref name="code"/>, a subscriber <c>phx_error</c> and leaves the object. The
    /// clients reconnect or rejoin and reach the new owner. Returns how many were ended.
    /// </summary>
    public int EndWhere(Func<DurableObjectId, bool> select, int code, string reason)
    {
        var ended = 0;
        foreach (var entry in _objects.Values)
        {
            if (!select(entry.Id)) continue;
            foreach (var socket in entry.Sockets(null).Cast<HibernatableSocket>())
            {
                if (socket.State != SocketState.Open) continue;
                socket.Close(code, reason);
                ended++;
            }
            foreach (var channel in entry.Channels())
            {
                Remove(channel);
                channel.SendError();
                ended++;
            }
        }
        return ended;
    }

    public void Retire(ObjectSockets entry) => _objects.TryRemove(new KeyValuePair<DurableObjectId, ObjectSockets>(entry.Id, entry));
}
