using System.Text.Json;

namespace Durable.Internal;

/// <summary>
/// A Phoenix socket's membership of one object's topic. Registered with the object's <see cref="ObjectSockets"/> when
/// the object admits the join, so broadcasts reach it across hibernation. Pushes wait behind the turn's writes, and
/// before the edge has sent the join reply they wait in a buffer, so the client sees its reply first.
/// </summary>
internal sealed class ChannelSubscription(
    IChannelTransport transport, DurableObjectId target, string topic, string? joinRef, Akka.Actor.IActorRef? actor = null) : DurableChannel
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private readonly Lock _sync = new();
    private List<(string Event, ReadOnlyMemory<byte> Payload, bool Broadcast)>? _early = [];

    public DurableObjectId Target { get; } = target;

    public override string Topic { get; } = topic;

    public string? JoinRef { get; } = joinRef;

    /// <summary>The Phoenix connection's socket actor (Akka engine): the subscriber's address from any node.</summary>
    public Akka.Actor.IActorRef? Actor { get; } = actor;

    /// <summary>True for a handle of a Phoenix connection on another node.</summary>
    public bool IsRemote => transport is ActorChannelTransport;

    /// <summary>A push or broadcast the object sent from another node: after the join reply, like a local one.</summary>
    public void Forward(string? pushJoinRef, string @event, ReadOnlyMemory<byte> payload) => Transmit(@event, payload, broadcast: pushJoinRef is null);

    /// <summary>The object's registry entry once the join was admitted.</summary>
    public ObjectSockets? Owner { get; set; }

    public override void Push(string @event, object? payload)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var json = Owner is { } owner ? JsonSerializer.SerializeToUtf8Bytes(payload, owner.Registry.Json) : JsonSerializer.SerializeToUtf8Bytes(payload);
        Emit(@event, json, broadcast: false);
    }

    /// <summary>Queues an already-serialized broadcast (sent without a join ref, as Phoenix sends broadcasts).</summary>
    public void SendBroadcast(string @event, ReadOnlyMemory<byte> payloadJson) => Transmit(@event, payloadJson, broadcast: true);

    /// <summary>Tells the client this membership ended without a leave (<c>phx_error</c>); the official client rejoins.</summary>
    public void SendError() => transport.Push(JoinRef, Topic, "phx_error", EmptyObject);

    /// <summary>True for a subscription of a connection on another node that arrived past its object's limit: never
    /// registered, its membership ended (<c>phx_close</c>), its events reach no callback.</summary>
    public bool Refused { get; private set; }

    /// <summary>Ends a subscription the object cannot hold (past its limit): the client gets <c>phx_close</c>, as when the
    /// server closes a channel, and does not rejoin by itself.</summary>
    public void Refuse()
    {
        Refused = true;
        transport.Push(JoinRef, Topic, ClosePush, EmptyObject);
    }

    /// <summary>The Phoenix event that ends a membership from the server's side.</summary>
    public const string ClosePush = "phx_close";

    /// <summary>The join reply is on the wire: send what was pushed meanwhile, then send directly.</summary>
    public void Activate()
    {
        lock (_sync)
        {
            if (_early is null) return;
            foreach (var (e, payload, broadcast) in _early) transport.Push(broadcast ? null : JoinRef, Topic, e, payload);
            _early = null;
        }
    }

    private void Emit(string @event, ReadOnlyMemory<byte> payload, bool broadcast)
    {
        if (ObjectContext.Running is { } turn && turn.TryHoldOutput(new HeldPush(this, @event, payload, broadcast))) return;
        Transmit(@event, payload, broadcast);
    }

    private void Transmit(string @event, ReadOnlyMemory<byte> payload, bool broadcast)
    {
        lock (_sync)
        {
            if (_early is not null)
            {
                _early.Add((@event, payload, broadcast));
                return;
            }
        }
        transport.Push(broadcast ? null : JoinRef, Topic, @event, payload);
    }

    private sealed class HeldPush(ChannelSubscription channel, string @event, ReadOnlyMemory<byte> payload, bool broadcast) : IHeldOutput
    {
        public void Release() => channel.Transmit(@event, payload, broadcast);
    }
}
