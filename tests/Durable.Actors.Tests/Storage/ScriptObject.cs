using System.Net;
using Durable.Storage;

namespace Durable.Actors.Tests.Storage;

/// <summary>A test object that runs whatever script the request carries against its storage, inside its turn.</summary>
public sealed class ScriptObject(DurableObjectState state) : DurableObject
{
    public static readonly HttpRequestOptionsKey<Func<DurableObjectStorage, Task<object?>>> Script = new("script");
    public static readonly HttpRequestOptionsKey<object?> Result = new("result");

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(Script, out var script)) return new HttpResponseMessage(HttpStatusCode.BadRequest);
        request.Options.Set(Result, await script(state.Storage));
        return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request };
    }
}
