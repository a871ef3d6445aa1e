using System.Text;

namespace Durable.Internal;

/// <summary>
/// The sockets, channel subscribers and auto-response of one object on this node. It lives in the node's
/// <see cref="SocketRegistry"/>, outside any activation, which is what lets the object hibernate with them open.
/// Guarded by its own lock; once empty it is retired from the registry and a later socket makes a fresh one.
/// </summary>
internal sealed class ObjectSockets(SocketRegistry registry, DurableObjectId id)
{
    private readonly Lock _sync = new();
    private readonly List<HibernatableSocket> _sockets = [];
    private readonly List<ChannelSubscription> _channels = [];
    private AutoResponse? _autoResponse;
    private bool _retired;

    public SocketRegistry Registry { get; } = registry;

    public DurableObjectId Id { get; } = id;

    public AutoResponse? AutoResponse => Volatile.Read(ref _autoResponse);

    public int Count
    {
        get { lock (_sync) return _sockets.Count + _channels.Count; }
    }

    /// <summary>Adds a socket unless the object is at its limit (false) or this entry was retired (null: look again).</summary>
    public bool? TryAdd(HibernatableSocket socket, int limit) => TryAdd(_sockets, socket, limit);

    public bool? TryAdd(ChannelSubscription channel, int limit) => TryAdd(_channels, channel, limit);

    private bool? TryAdd<T>(List<T> list, T item, int limit)
    {
        lock (_sync)
        {
            if (_retired) return null;
            if (_sockets.Count + _channels.Count >= limit) return false;
            list.Add(item);
            return true;
        }
    }

    public bool Remove(HibernatableSocket socket) => Remove(_sockets, socket);

    public bool Remove(ChannelSubscription channel) => Remove(_channels, channel);

    private bool Remove<T>(List<T> list, T item)
    {
        lock (_sync)
        {
            if (!list.Remove(item)) return false;
            if (_sockets.Count > 0 || _channels.Count > 0 || _autoResponse is not null) return true;
            _retired = true;
        }
        Registry.Retire(this);
        return true;
    }

    public IReadOnlyList<DurableWebSocket> Sockets(string? tag)
    {
        lock (_sync)
        {
            if (tag is null) return _sockets.Where(s => s.State != SocketState.Closed).ToArray();
            return _sockets.Where(s => s.State != SocketState.Closed && Array.IndexOf((string[])s.Tags, tag) >= 0).ToArray();
        }
    }

    /// <summary>The socket with <paramref name="socketId"/>, if this object holds it.</summary>
    public HibernatableSocket? Find(Guid socketId)
    {
        lock (_sync)
        {
            foreach (var socket in _sockets)
                if (socket.Id == socketId) return socket;
            return null;
        }
    }

    /// <summary>The subscription of <paramref name="actor"/>'s connection to <paramref name="topic"/>, if registered here.</summary>
    public ChannelSubscription? FindChannel(Akka.Actor.IActorRef actor, string topic)
    {
        lock (_sync)
        {
            foreach (var channel in _channels)
                if (channel.Topic == topic && actor.Equals(channel.Actor)) return channel;
            return null;
        }
    }

    public ChannelSubscription[] Channels()
    {
        lock (_sync) return _channels.ToArray();
    }

    /// <summary>Sets or (with null) clears the object-wide request → response pair; null when this entry was retired.</summary>
    public bool? SetAutoResponse(AutoResponse? pair, bool told = true)
    {
        HibernatableSocket[] remote;
        lock (_sync)
        {
            if (_retired) return null;
            Volatile.Write(ref _autoResponse, pair);
            remote = _sockets.Where(s => s.IsRemote).ToArray();
        }
        // Pings on sockets whose connection is on another node are answered by that node's edge.
        if (remote.Length > 0 && told)
        {
            var message = SocketAutoResponse.Of(pair);
            foreach (var socket in remote) socket.Actor?.Tell(message, Akka.Actor.ActorRefs.NoSender);
        }
        return true;
    }

    /// <summary>Sends one serialized event to every subscriber; in a turn, once its writes are durable.</summary>
    public void Broadcast(string @event, ReadOnlyMemory<byte> payloadJson)
    {
        var targets = Channels();
        if (targets.Length == 0) return;
        var held = new HeldBroadcast(targets, @event, payloadJson);
        if (ObjectContext.Running is { } turn && turn.TryHoldOutput(held)) return;
        held.Release();
    }

    private sealed class HeldBroadcast(ChannelSubscription[] targets, string @event, ReadOnlyMemory<byte> payload) : IHeldOutput
    {
        public void Release()
        {
            foreach (var target in targets) target.SendBroadcast(@event, payload);
        }
    }
}

/// <summary>An auto-response pair: a text message equal to <see cref="Request"/> is answered with <see cref="Response"/> at the edge.</summary>
internal sealed class AutoResponse(string request, string response)
{
    public string Request { get; } = request;

    public string Response { get; } = response;

    public byte[] RequestUtf8 { get; } = Encoding.UTF8.GetBytes(request);

    public byte[] ResponseUtf8 { get; } = Encoding.UTF8.GetBytes(response);
}
