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
/// subscribers, on every path a handle arrives by: a handshake or join (refused), a socket or channel event from another
/// node, or the directory's answer to a starting object (the excess socket is closed with 1008 and the reason
/// <see cref="LimitReason"/>, like at the handshake; the excess subscriber is sent <c>phx_close</c>; the object never
/// sees either). The edge's own copies of connections whose object admitted them on another node count there, not
/// here.</item>
/// <item>The open count (the <c>durable.sockets.open</c> gauge) counts each socket and subscriber once, at the edge node
/// that holds its client connection: handles of connections on other nodes are not counted.</item>
/// <item>Entries with nothing left in them are removed, so an object with no sockets costs nothing here.</item>
/// </list>
/// </summary>
internal sealed class SocketRegistry(DurableWebSocketOptions options, JsonSerializerOptions json)
{
    private readonly ConcurrentDictionary<DurableObjectId, ObjectSockets> _objects = new();
    private int _open;

    public DurableWebSocketOptions Options { get; } = options;

    public JsonSerializerOptions Json { get; } = json;

    /// <summary>Sockets and subscribers whose client connection is on this node.</summary>
    public int OpenCount => Volatile.Read(ref _open);

    /// <summary>Why a socket past the limit is closed (1008), at the handshake and on every other path.</summary>
    public string LimitReason => $"object has {Options.MaxSocketsPerObject} sockets, its limit";

    public ObjectSockets? Find(DurableObjectId id) => _objects.GetValueOrDefault(id);

    /// <summary>Registers a socket for <paramref name="id"/>; null when the object is at its limit.</summary>
    public HibernatableSocket? TryAdd(DurableObjectId id, string[] tags, Guid socketId = default) =>
        TryAdd(id, tags, socketId, null, Options.MaxSocketsPerObject);

    /// <summary>
    /// The object's handle of a socket that already exists (its connection's node admitted it): the one registered here
    /// under <paramref name="socketId"/>, or a new one with the descriptor's tags and attachment, sending to
    /// <paramref name="actor"/> (null: the connection is on this node and attaches itself: the edge's copy of a socket
    /// its object admitted on another node). A new handle of a connection on another node past the object's limit is
    /// not registered: its client is closed with 1008 and the handle comes back <see cref="HibernatableSocket.Refused"/>.
    /// </summary>
    public HibernatableSocket Adopt(DurableObjectId id, Guid socketId, string[] tags, byte[]? attachment, Akka.Actor.IActorRef? actor)
    {
        while (true)
        {
            if (Find(id)?.Find(socketId) is { } known) return known;
            var socket = TryAdd(id, tags, socketId, attachment, actor is null ? int.MaxValue : Options.MaxSocketsPerObject);
            if (socket is not null)
            {
                if (actor is not null) AttachRemote(socket, actor);
                return socket;
            }
            if (Find(id)?.Find(socketId) is { } raced) return raced;
            if (actor is not null) return Refuse(new HibernatableSocket(new ObjectSockets(this, id), tags, socketId, attachment), actor);
        }
    }

    private HibernatableSocket Refuse(HibernatableSocket socket, Akka.Actor.IActorRef actor)
    {
        socket.Refused = true;
        socket.MarkClosed();
        actor.Tell(OutgoingFrame.Close(WebSocketCloseCodes.PolicyViolation, LimitReason), Akka.Actor.ActorRefs.NoSender);
        return socket;
    }

    /// <summary>
    /// The object's subscription of a Phoenix connection on another node, for one of its channel events: for a join a new
    /// one (the join registers it when the object admits it); for a message the one registered here, or one registered
    /// now (the object's shard moved here since the join); for a leave the registered one, if any.
    /// </summary>
    public ChannelSubscription AdoptChannel(DurableObjectId id, string topic, string? joinRef, Akka.Actor.IActorRef actor, ChannelEventKind kind)
    {
        if (kind != ChannelEventKind.Join && Find(id)?.FindChannel(actor, topic) is { } known) return known;
        var channel = new ChannelSubscription(new ActorChannelTransport(actor), id, topic, joinRef, actor);
        channel.Activate(); // the edge holds pushes until its join reply is out
        if (kind != ChannelEventKind.Message) return channel;
        // Past the limit the subscriber is not registered: its membership ends (phx_close) and its event is refused.
        if (!TryAddChannel(channel, Options.MaxSocketsPerObject)) channel.Refuse();
        return channel;
    }

    /// <summary>Called for each handle whose connection is on another node (the engine watches its socket actor and
    /// removes the handle when it stops).</summary>
    public Action<HibernatableSocket, Akka.Actor.IActorRef>? RemoteHandleAdded { get; set; }

    /// <summary>The same for channel subscriptions of Phoenix connections on other nodes.</summary>
    public Action<ChannelSubscription, Akka.Actor.IActorRef>? RemoteChannelAdded { get; set; }

    /// <summary>Makes <paramref name="socket"/> a handle of a connection on another node: frames go to its socket actor,
    /// which is told the object's auto-response, and which is watched. Its edge counts it open, this node no longer.</summary>
    public void AttachRemote(HibernatableSocket socket, Akka.Actor.IActorRef actor)
    {
        if (socket.TryUncount()) Interlocked.Decrement(ref _open);
        socket.Attach(new ActorSocketTransport(actor), actor);
        if (socket.Owner.AutoResponse is { } pair) actor.Tell(SocketAutoResponse.Of(pair), Akka.Actor.ActorRefs.NoSender);
        RemoteHandleAdded?.Invoke(socket, actor);
    }

    private HibernatableSocket? TryAdd(DurableObjectId id, string[] tags, Guid socketId, byte[]? attachment, int limit)
    {
        while (true)
        {
            var entry = _objects.GetOrAdd(id, static (key, self) => new ObjectSockets(self, key), this);
            var socket = new HibernatableSocket(entry, tags, socketId, attachment);
            switch (entry.TryAdd(socket, limit))
            {
                case true:
                    Interlocked.Increment(ref _open);
                    return socket;
                case false:
                    return null;
            }
        }
    }

    /// <summary>Registers this edge's copy of a subscription that the object admitted on another node (it counts against
    /// the limit there, not here).</summary>
    public void Keep(ChannelSubscription channel)
    {
        while (!TryAddChannel(channel, int.MaxValue)) { }
    }

    /// <summary>Registers an admitted subscriber; false when the object is at its limit.</summary>
    public bool TryAdd(ChannelSubscription channel) => TryAddChannel(channel, Options.MaxSocketsPerObject);

    private bool TryAddChannel(ChannelSubscription channel, int limit)
    {
        while (true)
        {
            var entry = _objects.GetOrAdd(channel.Target, static (key, self) => new ObjectSockets(self, key), this);
            switch (entry.TryAdd(channel, limit))
            {
                case true:
                    channel.Owner = entry;
                    if (!channel.IsRemote) Interlocked.Increment(ref _open);
                    if (channel.Actor is { } actor && channel.IsRemote) RemoteChannelAdded?.Invoke(channel, actor);
                    return true;
                case false:
                    return false;
            }
        }
    }

    public void Remove(HibernatableSocket socket)
    {
        if (socket.Owner.Remove(socket) && socket.TryUncount()) Interlocked.Decrement(ref _open);
        socket.MarkClosed();
    }

    public void Remove(ChannelSubscription channel)
    {
        if (channel.Owner?.Remove(channel) == true && !channel.IsRemote) Interlocked.Decrement(ref _open);
    }

    /// <summary>Sets an object's auto-response pair; <paramref name="told"/> false when it came from the object's node
    /// (this node's copy for its own connections, not to be told on).</summary>
    public void SetAutoResponse(DurableObjectId id, AutoResponse? pair, bool told = true)
    {
        while (true)
        {
            var entry = pair is null ? Find(id) : _objects.GetOrAdd(id, static (key, self) => new ObjectSockets(self, key), this);
            if (entry is null || entry.SetAutoResponse(pair, told) is not null) return;
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
