namespace Durable.Internal;

/// <summary>
/// Something that happened on an accepted socket (a message, the client's close, a failure), run as a turn of the
/// socket's object; gates apply. A handler that throws resets the object (it is not a fetch); the socket stays open
/// and the next event meets a fresh instance.
/// </summary>
internal sealed class SocketEvent : ObjectEvent
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SocketEventKind _kind;
    private readonly WebSocketMessage _message;
    private readonly int _code;
    private readonly string _reason = "";
    private readonly bool _wasClean;
    private readonly Exception? _failure;
    private Exception? _error;

    private SocketEvent(HibernatableSocket socket, long arrivedAt, SocketEventKind kind) : base(socket.Owner.Id, arrivedAt)
    {
        Socket = socket;
        _kind = kind;
    }

    private SocketEvent(HibernatableSocket socket, long arrivedAt, WebSocketMessage message) : this(socket, arrivedAt, SocketEventKind.Message) =>
        _message = message;

    private SocketEvent(HibernatableSocket socket, long arrivedAt, int code, string reason, bool wasClean) : this(socket, arrivedAt, SocketEventKind.Close)
    {
        _code = code;
        _reason = reason;
        _wasClean = wasClean;
    }

    private SocketEvent(HibernatableSocket socket, long arrivedAt, Exception failure) : this(socket, arrivedAt, SocketEventKind.Error) =>
        _failure = failure;

    public static SocketEvent Message(HibernatableSocket socket, long arrivedAt, WebSocketMessage message) => new(socket, arrivedAt, message);

    public static SocketEvent Closed(HibernatableSocket socket, long arrivedAt, int code, string reason, bool wasClean) =>
        new(socket, arrivedAt, code, reason, wasClean);

    public static SocketEvent Failed(HibernatableSocket socket, long arrivedAt, Exception failure) => new(socket, arrivedAt, failure);

    public HibernatableSocket Socket { get; }

    public SocketEventKind Kind => _kind;

    public WebSocketMessage Payload => _message;

    public int Code => _code;

    public string Reason => _reason;

    public bool WasClean => _wasClean;

    public Exception? Failure => _failure;

    /// <summary>The owner on another node ran the event (its answer came back).</summary>
    public bool TryAnswer() => _completion.TrySetResult();

    /// <summary>Completes when the handler ran and what it wrote is durable; faults when it threw or the object reset.</summary>
    public Task Completion => _completion.Task;

    public override Task Done => _completion.Task;

    public override bool ErrorResetsObject => true;

    public override Task InvokeAsync(ObjectContext activation)
    {
        // A socket refused past the object's limit on its way here: the object does not hold it and sees nothing of it.
        if (Socket.Refused) return Task.CompletedTask;
        var target = activation.Instance!;
        return _kind switch
        {
            SocketEventKind.Message => target.WebSocketMessageAsync(Socket, _message),
            SocketEventKind.Close => target.WebSocketCloseAsync(Socket, _code, _reason, _wasClean),
            _ => target.WebSocketErrorAsync(Socket, _failure!),
        };
    }

    public override void SetHandlerError(Exception error) =>
        _error = error as DurableObjectException ?? new DurableObjectException(error.Message, error, Target);

    public override void Deliver()
    {
        if (_error is not null) TryFail(_error);
        else _completion.TrySetResult();
    }

    public override bool TryFail(Exception error) => _completion.TrySetException(error);

    public override string Describe() => _kind switch
    {
        SocketEventKind.Message => $"WebSocket message ({_message})",
        SocketEventKind.Close => $"WebSocket close ({_code})",
        _ => "WebSocket error",
    };
}

internal enum SocketEventKind
{
    Message,
    Close,
    Error,
}
