using System.Diagnostics;
using System.Globalization;
using System.Net;
using Durable.Web.WebSockets;
using Durable.Web.WebSockets.Lean;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>Object WebSockets whose handshake <see cref="LeanHandshake"/> answers on the bare connection.</summary>
internal sealed partial class ObjectEdge
{
    public TimeProvider Time => runtime.Time;

    /// <summary>
    /// Takes <paramref name="head"/> off the connection and runs its socket as <see cref="FetchAsync(HttpContext, ObjectAddressKind)"/>
    /// would; null (nothing taken) when Kestrel's pipeline is to answer it: an address, namespace or id the edge would
    /// refuse (its error is the contract's), or bytes that arrived after the head.
    /// </summary>
    public Task? TryRunLean(UpgradeHead head, ConnectionContext connection)
    {
        if (!ObjectAddress.TryParse(head.Target, out var address, out _) || !namespaces.TryGet(address.Namespace, out var ns)) return null;
        DurableObjectId id;
        try
        {
            id = head.Kind == ObjectAddressKind.Name ? ns.IdFromName(address.Key) : ns.IdFromString(address.Key);
        }
        catch (InvalidDurableObjectIdException)
        {
            return null;
        }
        if (!IsAscii(id.Namespace)) return null;
        var request = ObjectRequests.Create(HttpMethods.Get, address.PathAndQuery, head.Headers, body: null, out _);
        if (request is null) return null;
        var input = connection.Transport.Input;
        var taken = input.TryRead(out var read);
        if (!taken || read.Buffer.Length != head.Length)
        {
            // Bytes came after the head since the peek: Kestrel judges them all.
            if (taken) input.AdvanceTo(read.Buffer.Start);
            request.Dispose();
            return null;
        }
        input.AdvanceTo(read.Buffer.End);
        var started = Stopwatch.GetTimestamp();
        var client = new LeanUpgradeClient(connection, id, head.Key, head.RequestedProtocols(), runtime.Time);
        return RunLeanAsync(client, id, head.Path, started, webSockets.FetchAsync(client, id, request, forwarded: false));
    }

    /// <summary>Waits for the socket; answers a failure before the handshake with the JSON error shape, as
    /// <c>WriteErrorAsync</c> does, and records the request like any other.</summary>
    private async Task RunLeanAsync(LeanUpgradeClient client, DurableObjectId id, string path, long started, Task socket)
    {
        var status = 0;
        try
        {
            await socket;
            status = client.Status;
        }
        catch (Exception error) when (client.Aborted.IsCancellationRequested)
        {
            Log.ClientWentAway(logger, id.ToString(), HttpMethods.Get, error.GetType().Name);
            status = StatusCodes.Status499ClientClosedRequest;
        }
        catch (Exception error)
        {
            var answer = EdgeError.From(error, options.MaxRequestBodySize);
            LogError(HttpMethods.Get, path, answer, id, error);
            // After the 101 the client must not take anything more for an answer: the connection is just dropped.
            status = client.Status == 0 ? await RefuseLeanAsync(client, answer) : client.Status;
        }
        finally
        {
            metrics.Record(id.Namespace, status, started);
        }
    }

    private async Task<int> RefuseLeanAsync(LeanUpgradeClient client, EdgeError error)
    {
        using var response = ErrorResponse.Create((HttpStatusCode)error.Status, error.Code, error.Message);
        if (error.IsRetryable)
            response.Headers.TryAddWithoutValidation("Retry-After", Math.Max(1, (int)options.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        try
        {
            await client.RefuseAsync(response);
        }
        catch (Exception write) when (write is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client left while we answered.
        }
        return error.Status;
    }

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
            if (c is < ' ' or >= '\x7F') return false;
        return true;
    }
}
