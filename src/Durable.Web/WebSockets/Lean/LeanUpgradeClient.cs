using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Durable.Web.WebSockets.Lean;

/// <summary>
/// An upgrade answered on the bare connection (<see cref="LeanHandshake"/>): the 101 or the refusal is written to the
/// transport as HTTP/1.1 bytes, and the accepted socket runs over the transport's pipes. Like Kestrel's answer, the 101
/// carries <c>Sec-WebSocket-Accept</c>, the chosen subprotocol and the object's <c>X-Durable-*</c> headers; a refusal
/// carries the status, the end-to-end headers and the body, and the connection is closed after it.
/// </summary>
internal sealed class LeanUpgradeClient(
    ConnectionContext connection, DurableObjectId id, string path, string key, IList<string> protocols, long startedTimestamp, TimeProvider time)
    : IUpgradeClient
{
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    // Dropped once answered: an open socket keeps only the connection (the socket knows its object).
    private string? _key = key;
    private IList<string> _protocols = protocols;

    /// <summary>The object, until the upgrade is answered.</summary>
    public DurableObjectId? Id { get; private set; } = id;

    /// <summary>The request's path, for logs, until the upgrade is answered.</summary>
    public string? Path { get; private set; } = path;

    /// <summary>The object's namespace (the metrics' tag).</summary>
    public string Namespace { get; } = id.Namespace;

    /// <summary>When the edge took the upgrade (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long StartedTimestamp { get; } = startedTimestamp;

    /// <summary>The status answered (101 or the refusal's), 0 while none was.</summary>
    public int Status { get; private set; }

    public CancellationToken Aborted => connection.ConnectionClosed;

    public IList<string> RequestedProtocols => _protocols;

    public async Task<WebSocket> AcceptAsync(string? subProtocol, TimeSpan keepAliveInterval)
    {
        var key = _key ?? throw new InvalidOperationException($"The upgrade was answered already ({Status}).");
        var head = new StringBuilder(256)
            .Append("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ")
            .Append(Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + WebSocketGuid))))
            .Append("\r\n");
        if (subProtocol is not null) AppendHeader(head, "Sec-WebSocket-Protocol", subProtocol);
        AppendObjectHeaders(head);
        head.Append("\r\n");
        Answered(StatusCodes.Status101SwitchingProtocols);
        await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), connection.ConnectionClosed);
        return WebSocket.CreateFromStream(new DuplexPipeStream(connection.Transport), new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subProtocol,
            KeepAliveInterval = keepAliveInterval,
        });
    }

    public async Task RefuseAsync(HttpResponseMessage response)
    {
        if (_key is null) throw new InvalidOperationException($"The upgrade was answered already ({Status}).");
        var status = (int)response.StatusCode;
        var head = new StringBuilder(512)
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n")
            .Append("Connection: close\r\n")
            .Append("Date: ").Append(time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        AppendObjectHeaders(head);
        foreach (var (name, values) in response.Headers)
        {
            // As ObjectResponses: the edge's own X-Durable-* headers name the object; hop-by-hop ones are this hop's.
            if (ObjectRequests.HopByHopHeaders.Contains(name) || name.StartsWith("X-Durable-", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) AppendHeader(head, name, value);
        }
        // 204 and 304 have no body and must not announce one; otherwise the length is told, or the close ends the body.
        var content = status is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified ? null : response.Content;
        if (content is not null)
        {
            foreach (var (name, values) in content.Headers)
            {
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
                foreach (var value in values) AppendHeader(head, name, value);
            }
            if (content.Headers.ContentLength is { } length) AppendHeader(head, "Content-Length", length.ToString(CultureInfo.InvariantCulture));
        }
        else if (status is not (StatusCodes.Status204NoContent or StatusCodes.Status304NotModified)) AppendHeader(head, "Content-Length", "0");
        head.Append("\r\n");
        Answered(status);
        var output = connection.Transport.Output;
        await output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), connection.ConnectionClosed);
        if (content is not null)
        {
            await using var body = output.AsStream(leaveOpen: true);
            await content.CopyToAsync(body, connection.ConnectionClosed);
        }
        await output.FlushAsync(connection.ConnectionClosed);
    }

    private void Answered(int status)
    {
        Status = status;
        _key = null;
        _protocols = Array.Empty<string>();
        Id = null;
        Path = null;
    }

    private void AppendObjectHeaders(StringBuilder head)
    {
        AppendHeader(head, ObjectEdge.IdHeader, Id!.ToString());
        AppendHeader(head, ObjectEdge.NamespaceHeader, Namespace);
    }

    /// <summary>Refuses what Kestrel refuses too: a name or value that would break the head (controls, non-ASCII).</summary>
    private static void AppendHeader(StringBuilder head, string name, string value)
    {
        if (!IsHeaderText(name) || !IsHeaderText(value))
            throw new InvalidOperationException($"Invalid non-ASCII or control character in the response header '{name}'.");
        head.Append(name).Append(": ").Append(value).Append("\r\n");
    }

    private static bool IsHeaderText(string text)
    {
        foreach (var c in text)
            if (c is not ((>= ' ' and < '\x7F') or '\t')) return false;
        return true;
    }
}
