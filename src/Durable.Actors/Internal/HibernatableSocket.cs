using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;

namespace Durable.Internal;

/// <summary>
/// An accepted client socket as its object sees it. It belongs to the node's <see cref="SocketRegistry"/>, not to an
/// activation, so it and its attachment outlive hibernation: the next activation gets the same instance.
/// Frames sent inside a turn wait behind that turn's writes (output gate); frames sent before the edge finished the
/// upgrade wait in a small buffer and go out first, in order.
/// </summary>
internal sealed class HibernatableSocket : DurableWebSocket
{
    private readonly Lock _sync = new();
    private readonly string[] _tags;
    private ISocketTransport? _transport;
    private List<OutgoingFrame>? _early;
    private byte[]? _attachment;
    private long _autoResponseAt;
    private int _uncounted;
    private int _state;

    public HibernatableSocket(ObjectSockets owner, string[] tags, Guid id = default, byte[]? attachment = null)
    {
        Owner = owner;
        _tags = tags;
        Id = id == Guid.Empty ? Guid.NewGuid() : id;
        _attachment = attachment;
    }

    public ObjectSockets Owner { get; }

    /// <summary>The socket's id across nodes: the edge's connection and every object-side handle of it share it.</summary>
    public Guid Id { get; }

    /// <summary>True for a handle whose connection is on another node (frames are told to its socket actor).</summary>
    public bool IsRemote => Volatile.Read(ref _transport) is ActorSocketTransport;

    /// <summary>The serialized attachment (JSON), or null; the edge's copy is updated by its socket actor.</summary>
    public byte[]? AttachmentBytes
    {
        get => Volatile.Read(ref _attachment);
        set => Volatile.Write(ref _attachment, value);
    }

    public override IReadOnlyList<string> Tags => _tags;

    /// <summary>Open, then Closing once either side sent a close frame, then Closed once it left the registry.</summary>
    public SocketState State => (SocketState)Volatile.Read(ref _state);

    /// <summary>When the edge last answered this socket's auto-response request (Unix ms), or 0.</summary>
    public long AutoResponseAt
    {
        get => Volatile.Read(ref _autoResponseAt);
        set => Volatile.Write(ref _autoResponseAt, value);
    }

    /// <summary>The edge on another node answered an auto-response at <paramref name="at"/> (Unix ms): kept unless an
    /// earlier report arrived later.</summary>
    public void NoteAutoResponse(long at)
    {
        var seen = Volatile.Read(ref _autoResponseAt);
        while (at > seen && Interlocked.CompareExchange(ref _autoResponseAt, at, seen) is var now && now != seen) seen = now;
    }

    /// <summary>True for a handle of a connection on another node that arrived past its object's limit: it was never
    /// registered, its client was closed with 1008, and its events reach no callback.</summary>
    public bool Refused { get; set; }

    /// <summary>Stops counting this socket as open on this node (its client connection is on another node, or it left the
    /// registry); true the first time, when the registry's count is to go down.</summary>
    public bool TryUncount() => Interlocked.Exchange(ref _uncounted, 1) == 0;

    public override void Send(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Emit(new OutgoingFrame(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text));
    }

    public override void Send(ReadOnlyMemory<byte> data) => Emit(new OutgoingFrame(data.ToArray(), WebSocketMessageType.Binary));

    public override void Close(int code = WebSocketCloseCodes.Normal, string? reason = null)
    {
        if (!WebSocketCloseCodes.IsSendable(code))
            throw new ArgumentOutOfRangeException(nameof(code), code, "A close code must be 1000-1003, 1007-1014 or 3000-4999.");
        if (reason is not null && Encoding.UTF8.GetByteCount(reason) > 123)
            throw new ArgumentException($"A close reason is at most 123 UTF-8 bytes; this one has {Encoding.UTF8.GetByteCount(reason)}.", nameof(reason));
        MarkClosing();
        Emit(OutgoingFrame.Close(code, reason));
    }

    public override void SerializeAttachment<T>(T value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, Owner.Registry.Json);
        var limit = Owner.Registry.Options.MaxAttachmentSize;
        if (bytes.Length > limit)
            throw new ArgumentException(
                $"The attachment of a socket of object {Owner.Id} is {bytes.Length} bytes serialized; the limit is {limit} (Durable:WebSockets:MaxAttachmentSize).",
                nameof(value));
        Volatile.Write(ref _attachment, bytes);
        // The connection's node keeps the attachment too, so a later owner elsewhere gets it with the socket.
        if (Volatile.Read(ref _transport) is ActorSocketTransport remote) remote.Actor.Tell(new SocketAttachment(bytes), ActorRefs.NoSender);
    }

    public override T? DeserializeAttachment<T>() where T : default =>
        Volatile.Read(ref _attachment) is { } bytes ? JsonSerializer.Deserialize<T>(bytes, Owner.Registry.Json) : default;

    /// <summary>
    /// The socket actor at the edge that owns the client connection (null until the socket is attached): the
    /// socket's address, which works from any node. Frames told to it as <see cref="OutgoingFrame"/>s are sent in order.
    /// </summary>
    public IActorRef? Actor { get; private set; }

    /// <summary>Connects the edge's transport (and its socket actor) and sends what the object sent before it was there.</summary>
    public void Attach(ISocketTransport transport, IActorRef? actor = null)
    {
        lock (_sync)
        {
            _transport = transport;
            Actor = actor;
            if (_early is null) return;
            foreach (var frame in _early) transport.Send(frame);
            _early = null;
        }
    }

    /// <summary>Marks the socket Closing (a close frame went either way); true if it was Open.</summary>
    public bool MarkClosing() => Interlocked.CompareExchange(ref _state, (int)SocketState.Closing, (int)SocketState.Open) == (int)SocketState.Open;

    public void MarkClosed() => Volatile.Write(ref _state, (int)SocketState.Closed);

    private void Emit(OutgoingFrame frame)
    {
        if (ObjectContext.Running is { } turn && turn.TryHoldOutput(new HeldFrame(this, frame))) return;
        Transmit(frame);
    }

    private void Transmit(OutgoingFrame frame)
    {
        lock (_sync)
        {
            if (_transport is null) (_early ??= []).Add(frame);
            else _transport.Send(frame);
        }
    }

    private sealed class HeldFrame(HibernatableSocket socket, OutgoingFrame frame) : IHeldOutput
    {
        public void Release() => socket.Transmit(frame);
    }
}

/// <summary>Where a socket is in its life: Open → Closing (a close frame went either way) → Closed (left the registry).</summary>
internal enum SocketState
{
    Open,
    Closing,
    Closed,
}
