namespace Durable.Internal;

/// <summary>
/// The firing of an object's alarm that was due at <see cref="Due"/>. It runs only if the object's alarm is still that
/// time (a newer set or delete makes it stale); the used alarm is cleared with the handler's writes. A handler that
/// throws resets the object and the scheduler retries.
/// </summary>
internal sealed class AlarmEvent(DurableObjectId target, long arrivedAt, DateTimeOffset due, int retryCount) : ObjectEvent(target, arrivedAt)
{
    private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _error;
    private bool _ran;

    public DateTimeOffset Due { get; } = due;

    public int RetryCount { get; } = retryCount;

    /// <summary>Completes with true when the handler ran and its writes are durable, false when the alarm was stale.</summary>
    public Task<bool> Completion => _completion.Task;

    public override Task Done => _completion.Task;

    /// <summary>Answers the caller with the owner's outcome (from another node): whether the handler ran.</summary>
    public bool TryAnswer(bool ran) => _completion.TrySetResult(ran);

    public override bool ErrorResetsObject => true;

    public override async Task InvokeAsync(ObjectContext activation)
    {
        var storage = activation.Storage!;
        if (!storage.BeginAlarm(Due)) return;
        _ran = true;
        var succeeded = false;
        try
        {
            await activation.Instance!.AlarmAsync(new AlarmInfo(RetryCount));
            succeeded = true;
        }
        finally
        {
            if (!activation.IsBroken) storage.EndAlarm(succeeded, Due);
        }
    }

    public override void SetHandlerError(Exception error) =>
        _error = error as DurableObjectException ?? new DurableObjectException(error.Message, error, Target);

    public override void Deliver()
    {
        if (_error is not null) TryFail(_error);
        else _completion.TrySetResult(_ran);
    }

    public override bool TryFail(Exception error) => _completion.TrySetException(error);

    public override string Describe() => $"alarm due {Due:O} (retry {RetryCount})";
}
