namespace Durable.Web.Samples;

/// <summary>
/// The echo sample: <c>GET /</c> answers "ok" without touching storage; <c>GET /websocket</c> accepts a hibernatable
/// socket that echoes each message back (text as text, binary as binary).
/// </summary>
public sealed class Echo(DurableObjectState state) : DurableObject
{
    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var path = request.Path();
        if (path == "/websocket" && request.IsWebSocketUpgrade()) return Task.FromResult(state.AcceptWebSocket(request));
        if (path == "/websocket") return Task.FromResult(SampleRequest.UpgradeRequired());
        if (path != "/") return Task.FromResult(ErrorResponse.NotFound($"Echo has no route {path}."));
        return Task.FromResult(request.Method == HttpMethod.Get ? SampleRequest.Text("ok") : ErrorResponse.MethodNotAllowed(request.Method, path, HttpMethod.Get));
    }

    public override Task WebSocketMessageAsync(DurableWebSocket ws, WebSocketMessage message)
    {
        if (message.IsText) ws.Send(message.Text);
        else ws.Send(message.Binary);
        return Task.CompletedTask;
    }
}
