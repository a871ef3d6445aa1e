using System.Diagnostics;
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
    /// Takes <paramref name="head"/> off the connection and starts its socket as <see cref="FetchAsync(HttpContext, ObjectAddressKind)"/>
    /// would; null (nothing taken) when Kestrel's pipeline is to answer it: an address, namespace or id the edge would
    /// refuse (its error is the contract's), or bytes that arrived after the head. The caller awaits the task, then
    /// <see cref="FailLeanAsync"/> if it failed, then <see cref="RecordLean"/>.
    /// </summary>
    public Task? TryRunLean(UpgradeHead head, ConnectionContext connection, out LeanUpgradeClient? client)
    {
        client = null;
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
        client = new LeanUpgradeClient(connection, id, head.Path, head.Key, head.RequestedProtocols(), Stopwatch.GetTimestamp(), runtime.Time);
        return webSockets.FetchAsync(client, id, request, forwarded: false);
    }

    /// <summary>A lean upgrade's task failed: before the handshake was answered the client gets the JSON error shape
    /// (as from <c>WriteErrorAsync</c>), after it the connection is just dropped. Returns the status to record.</summary>
    public async Task<int> FailLeanAsync(LeanUpgradeClient client, Exception error)
    {
        if (client.Aborted.IsCancellationRequested)
        {
            Log.ClientWentAway(logger, client.Id?.ToString() ?? "-", HttpMethods.Get, error.GetType().Name);
            return client.Status == 0 ? StatusCodes.Status499ClientClosedRequest : client.Status;
        }
        var answer = EdgeError.From(error, options.MaxRequestBodySize);
        LogError(HttpMethods.Get, client.Path ?? "-", answer, client.Id, error);
        if (client.Status != 0) return client.Status;
        using var response = ErrorResponse.Create((HttpStatusCode)answer.Status, answer.Code, answer.Message);
        if (answer.IsRetryable)
            response.Headers.TryAddWithoutValidation("Retry-After", RetryAfterSeconds);
        try
        {
            await client.RefuseAsync(response);
        }
        catch (Exception write) when (write is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client left while we answered.
        }
        return answer.Status;
    }

    /// <summary>Counts the upgrade in the edge's request metrics, as every request is.</summary>
    public void RecordLean(LeanUpgradeClient client, int status) => metrics.Record(client.Namespace, status, client.StartedTimestamp);
}
