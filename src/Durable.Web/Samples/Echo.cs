namespace Durable.Web.Samples;

/// <summary>The echo sample: <c>GET /</c> answers "ok" without touching storage.</summary>
public sealed class Echo : DurableObject
{
    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) =>
        Task.FromResult(request.Path() == "/" && request.Method == HttpMethod.Get
            ? SampleRequest.Text("ok")
            : ErrorResponse.NotFound($"Echo has no route {request.Method} {request.Path()}."));
}
