namespace Durable.Internal;

/// <summary>An HTTP request to an object.</summary>
internal sealed class FetchEvent(DurableObjectId target, long arrivedAt, HttpRequestMessage request) : ObjectEvent(target, arrivedAt)
{
    private readonly TaskCompletionSource<HttpResponseMessage> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpResponseMessage? _response;
    private Exception? _error;

    public HttpRequestMessage Request { get; } = request;

    public Task<HttpResponseMessage> Completion => _completion.Task;

    public override bool IsCompleted => _completion.Task.IsCompleted;

    public override async Task InvokeAsync(DurableObject target) =>
        _response = await target.FetchAsync(Request)
            ?? throw new InvalidOperationException($"{target.GetType().Name}.FetchAsync returned null.");

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
