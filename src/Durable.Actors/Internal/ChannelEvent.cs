using System.Text.Json;

namespace Durable.Internal;

/// <summary>
/// A Phoenix channel event for an object: a join (the object admits or refuses the subscriber; an admitted one is
/// registered in the same turn, so it receives every broadcast made after), an incoming event (the object may reply),
/// or a leave (the subscriber is removed before the callback runs). Gates apply; a throwing callback resets the object.
/// </summary>
internal sealed class ChannelEvent : ObjectEvent
{
    private readonly TaskCompletionSource<ChannelReply?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ChannelEventKind _kind;
    private readonly string _event;
    private readonly JsonElement _payload;
    private ChannelReply? _reply;
    private Exception? _error;

    public ChannelEvent(ChannelSubscription channel, long arrivedAt, ChannelEventKind kind, string @event, JsonElement payload)
        : base(channel.Target, arrivedAt)
    {
        Channel = channel;
        _kind = kind;
        _event = @event;
        _payload = payload;
    }

    public ChannelSubscription Channel { get; }

    /// <summary>The reason a join or event past the object's limit is refused with.</summary>
    public const string TooManySubscribers = "too many subscribers";

    public ChannelEventKind Kind => _kind;

    public string Event => _event;

    public JsonElement Payload => _payload;

    /// <summary>The owner on another node ran the event: its reply (null: none).</summary>
    public bool TryAnswer(ChannelReply? reply) => _completion.TrySetResult(reply);

    /// <summary>The reply for the client (null: none); faults when the callback threw or the object reset.</summary>
    public Task<ChannelReply?> Completion => _completion.Task;

    public override Task Done => _completion.Task;

    public override bool ErrorResetsObject => true;

    public override async Task InvokeAsync(ObjectContext activation)
    {
        var target = activation.Instance!;
        switch (_kind)
        {
            case ChannelEventKind.Join:
                var reply = await target.ChannelJoinAsync(Channel, _payload)
                    ?? throw new InvalidOperationException($"{target.GetType().Name}.ChannelJoinAsync returned null.");
                if (reply.IsOk && !activation.Sockets.TryAdd(Channel))
                    reply = ChannelReply.Refuse(TooManySubscribers);
                _reply = reply;
                break;
            case ChannelEventKind.Message when Channel.Refused:
                // The subscriber arrived past the object's limit (its membership was ended): the object does not see it.
                _reply = ChannelReply.Refuse(TooManySubscribers);
                break;
            case ChannelEventKind.Message:
                _reply = await target.ChannelMessageAsync(Channel, _event, _payload);
                break;
            default:
                activation.Sockets.Remove(Channel);
                await target.ChannelLeaveAsync(Channel, _event);
                break;
        }
    }

    public override void SetHandlerError(Exception error) =>
        _error = error as DurableObjectException ?? new DurableObjectException(error.Message, error, Target);

    public override void Deliver()
    {
        if (_error is not null) TryFail(_error);
        else _completion.TrySetResult(_reply);
    }

    public override bool TryFail(Exception error) => _completion.TrySetException(error);

    public override string Describe() => _kind switch
    {
        ChannelEventKind.Join => $"channel join of {Channel.Topic}",
        ChannelEventKind.Message => $"channel event {_event} on {Channel.Topic}",
        _ => $"channel leave of {Channel.Topic}",
    };
}

internal enum ChannelEventKind
{
    Join,
    Message,
    Leave,
}
