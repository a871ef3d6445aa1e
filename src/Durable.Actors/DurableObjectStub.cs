using Durable.Internal;

namespace Durable;

/// <summary>
/// The client side of one object. It is an <see cref="HttpMessageHandler"/>, so <see cref="CreateHttpClient"/> gives a
/// plain <see cref="HttpClient"/> that talks to the object. A call made from inside another object waits for that
/// object's output gate first: nothing leaves an object before the writes that preceded it are durable.
/// Errors: exceptions thrown by the object arrive as <see cref="DurableObjectException"/>; the runtime's own refusals as
/// its subclasses (<see cref="OverloadedException"/>, <see cref="DeadlineExceededException"/>, ...).
/// </summary>
public sealed class DurableObjectStub : HttpMessageHandler
{
    private static readonly Uri BaseAddress = new("http://durable-object/");
    private readonly ObjectRuntime _runtime;

    internal DurableObjectStub(ObjectRuntime runtime, DurableObjectId id)
    {
        _runtime = runtime;
        Id = id;
    }

    public DurableObjectId Id { get; }

    public string? Name => Id.Name;

    /// <summary>Sends <paramref name="request"/> to the object. A relative request URI is taken from the object's root.</summary>
    public Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is null) request.RequestUri = BaseAddress;
        else if (!request.RequestUri.IsAbsoluteUri) request.RequestUri = new Uri(BaseAddress, request.RequestUri);
        return ObjectContext.Running is { } caller
            ? FetchFromObjectAsync(caller, request, cancellationToken)
            : _runtime.FetchAsync(Id, request, cancellationToken);
    }

    /// <summary>An <see cref="HttpClient"/> whose requests go to this object (base address http://durable-object/).</summary>
    public HttpClient CreateHttpClient() => new(this, disposeHandler: false) { BaseAddress = BaseAddress };

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        FetchAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> FetchFromObjectAsync(ObjectContext caller, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await caller.OutputGate.WhenDurableAsync();
        return await _runtime.FetchAsync(Id, request, cancellationToken);
    }
}
