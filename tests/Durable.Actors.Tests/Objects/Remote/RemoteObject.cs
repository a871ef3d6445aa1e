using System.Net;
using System.Security.Cryptography;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>The node a test host is (its objects answer it on <c>/where</c>).</summary>
public sealed record NodeName(string Value);

/// <summary>
/// An object for requests that cross nodes: says where it runs, echoes a request whole (headers, content headers and
/// body back, with the body's SHA-256), throws, waits on its node's probe gate (counting "remote.blocked" as it starts to), and cannot be built when its name
/// starts with "broken" (after bumping its node's "remote.broken" counter).
/// </summary>
public sealed class RemoteObject : DurableObject
{
    private readonly NodeName _node;
    private readonly Probe _probe;

    public RemoteObject(DurableObjectState state, NodeName node, Probe probe)
    {
        _node = node;
        _probe = probe;
        if (state.Name?.StartsWith("broken", StringComparison.Ordinal) == true)
        {
            probe.Bump("remote.broken");
            throw new InvalidOperationException($"{state.Name} cannot be built");
        }
    }

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        switch (request.RequestUri!.AbsolutePath)
        {
            case "/where":
                return TestCounter.Text(_node.Value);
            case "/throw":
                throw new InvalidOperationException("boom from the remote object");
            case "/block":
                _probe.Bump("remote.blocked");
                await _probe.Gate("remote.block");
                return TestCounter.Text("unblocked");
            case "/echo":
                var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
                var response = new HttpResponseMessage(HttpStatusCode.Created) { Content = new ByteArrayContent(body), ReasonPhrase = "Echoed" };
                foreach (var (name, values) in request.Headers) response.Headers.TryAddWithoutValidation("x-echo-" + name, values);
                if (request.Content is { } content)
                    foreach (var (name, values) in content.Headers)
                        if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) response.Content.Headers.TryAddWithoutValidation(name, values);
                response.Headers.TryAddWithoutValidation("x-body-sha256", Convert.ToHexStringLower(SHA256.HashData(body)));
                response.Headers.TryAddWithoutValidation("x-method", request.Method.Method);
                response.Headers.TryAddWithoutValidation("x-uri", request.RequestUri.PathAndQuery);
                response.Headers.TryAddWithoutValidation("x-node", _node.Value);
                return response;
            default:
                return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }
}

/// <summary>Its constructor always throws, after bumping its node's "unbuildable" counter.</summary>
public sealed class Unbuildable : DurableObject
{
    public Unbuildable(DurableObjectState state, Probe probe)
    {
        probe.Bump("unbuildable");
        throw new InvalidOperationException($"object {state.Id} cannot be built");
    }

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => Task.FromResult(TestCounter.Text("built"));
}
