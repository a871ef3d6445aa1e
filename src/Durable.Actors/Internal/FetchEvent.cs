namespace Durable.Internal;

/// <summary>An HTTP request to an object.</summary>
internal sealed class FetchEvent(DurableObjectId target, long arrivedAt, HttpRequestMessage request) : ObjectEvent(target, arrivedAt)
{
    private readonly TaskCompletionSource<HttpResponseMessage> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpResponseMessage? _response;
    private Exception? _error;

    public HttpRequestMessage Request { get; } = request;

    public Task<HttpResponseMessage> Completion => _completion.Task;

    public override Task Done => _completion.Task;

    /// <summary>Answers the caller with <paramref name="response"/> (the owner's answer from another node); false when
    /// the event already completed, and then the response is disposed.</summary>
    public bool TryAnswer(HttpResponseMessage response)
    {
        if (_completion.TrySetResult(response)) return true;
        response.Dispose();
        return false;
    }

    public override Task InvokeAsync(ObjectContext activation)
    {
        var target = activation.Instance!;
        var task = target.FetchAsync(Request);
        if (!task.IsCompletedSuccessfully) return AwaitAsync(task, target);
        _response = task.Result ?? throw NullResponse(target);
        return Task.CompletedTask;
    }

    private async Task AwaitAsync(Task<HttpResponseMessage> task, DurableObject target) =>
        _response = await task ?? throw NullResponse(target);

    private static InvalidOperationException NullResponse(DurableObject target) =>
        new($"{target.GetType().Name}.FetchAsync returned null.");

    public override void SetHandlerError(Exception error) =>
        _error = error as DurableObjectException ?? new DurableObjectException(error.Message, error, Target);

    public override void Deliver()
    {
        if (_error is not null) TryFail(_error);
        else if (!_completion.TrySetResult(_response!)) _response?.Dispose();
    }

    public override bool TryFail(Exception error) => _completion.TrySetException(error);

    public override string Describe() => $"{Request.Method} {Request.RequestUri}";
}
