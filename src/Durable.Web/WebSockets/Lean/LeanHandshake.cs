using System.IO.Pipelines;
using Durable.Hosting;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Durable.Web.WebSockets.Lean;

/// <summary>
/// Kestrel connection middleware (on every endpoint, see <c>AddDurableEdge</c>) that answers a plain WebSocket upgrade of
/// an object route on the bare connection, so an open socket does not keep Kestrel's HTTP/1.1 connection, request and
/// header state (~10 KB; bench/README.md "Idle socket memory"). What it promises:
/// <list type="bullet">
/// <item>It only peeks: unless the connection's first bytes are, whole and alone, a head <see cref="UpgradeHead"/>
/// accepts whose object the edge can resolve, Kestrel gets the connection with every byte still unread and answers as
/// if this middleware were not there. A head not complete within <see cref="PeekTimeout"/> goes to Kestrel too.</item>
/// <item>A lean upgrade is the same to the client and the object as one through Kestrel: the object's FetchAsync gets
/// the same request, the socket runs in <see cref="WebSocketEdge"/> and a socket for another node's object is relayed
/// by the same proxy; only the handshake's bytes are written here (<see cref="LeanUpgradeClient"/>).</item>
/// <item>Off (<see cref="DurableWebSocketOptions.LeanHandshake"/> false), on an endpoint without HTTP/1.1 or whose
/// upgraded connections Kestrel limits, with host filtering on, or before <c>MapDurableObjects()</c> attached the edge,
/// every connection goes straight to Kestrel.</item>
/// </list>
/// The app's own middleware does not run for a lean upgrade (the node has none before its endpoints; an app that puts
/// authentication in front of the object routes must switch this off).
/// </summary>
internal sealed class LeanHandshake(IOptions<DurableWebSocketOptions> options, IOptions<HostFilteringOptions> hosts)
{
    private ObjectEdge? _edge;

    /// <summary>How long the first bytes may take to make a complete head before the connection goes to Kestrel.</summary>
    public TimeSpan PeekTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Starts answering lean upgrades with <paramref name="edge"/> (from <c>MapDurableObjects()</c>), unless switched off
    /// or the app filters hosts (<c>AllowedHosts</c>): that middleware would not see a lean upgrade.
    /// </summary>
    public void Attach(ObjectEdge edge)
    {
        if (options.Value.LeanHandshake && hosts.Value.AllowedHosts.All(host => host == "*")) Volatile.Write(ref _edge, edge);
    }

    /// <summary>The middleware for one endpoint, before <paramref name="next"/> (its TLS, if any, then HTTP). Where
    /// Kestrel limits upgraded connections (<c>MaxConcurrentUpgradedConnections</c>), only its pipeline can count them.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next, ListenOptions listen)
    {
        var kestrel = listen.KestrelServerOptions.Limits;
        if (kestrel.MaxConcurrentUpgradedConnections is not null || (listen.Protocols & HttpProtocols.Http1) == 0) return next;
        var limits = HeadLimits.Within(kestrel);
        return connection => Volatile.Read(ref _edge) is { } edge
            ? RunAsync(edge, connection, next, limits, kestrel.RequestHeadersTimeout)
            : next(connection);
    }

    private async Task RunAsync(ObjectEdge edge, ConnectionContext connection, ConnectionDelegate next, HeadLimits limits, TimeSpan headersTimeout)
    {
        var timeout = PeekTimeout < headersTimeout ? PeekTimeout : headersTimeout;
        var head = await PeekAsync(connection.Transport.Input, limits, timeout, edge.Time);
        LeanUpgradeClient? client = null;
        var socket = head is null ? null : edge.TryRunLean(head, connection, out client);
        head = null; // this frame lasts as long as the socket; the head's strings need not
        if (socket is null)
        {
            await next(connection);
            return;
        }
        var status = 0;
        try
        {
            await socket;
            status = client!.Status;
        }
        catch (Exception error)
        {
            status = await edge.FailLeanAsync(client!, error);
        }
        finally
        {
            edge.RecordLean(client!, status);
        }
    }

    /// <summary>Reads until the first bytes decide; consumes nothing. Null: the connection is Kestrel's.</summary>
    private static async Task<UpgradeHead?> PeekAsync(PipeReader input, HeadLimits limits, TimeSpan within, TimeProvider time)
    {
        using var timeout = new CancellationTokenSource(within, time);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return null;
            }
            var buffer = result.Buffer;
            var outcome = UpgradeHead.TryParse(buffer, limits, out var head);
            if (outcome == PeekOutcome.Incomplete && !result.IsCompleted && !result.IsCanceled)
            {
                // Nothing consumed, everything examined: the next read waits for more bytes.
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            // Nothing consumed or examined: the next reader (Kestrel, or the lean path taking the head) gets it all at once.
            input.AdvanceTo(buffer.Start);
            return outcome == PeekOutcome.Upgrade ? head : null;
        }
    }
}
