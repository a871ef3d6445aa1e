using System.Net;
using System.Text.Json;
using Durable.Storage;

namespace Durable.Web.Samples;

/// <summary>
/// The storage API over HTTP: <c>PUT/GET/DELETE /keys/{key}</c>, <c>GET /keys?prefix=&amp;start=&amp;startAfter=&amp;end=&amp;limit=&amp;reverse=</c>
/// (a JSON object in key order), <c>POST /batch {"put":{...},"delete":[...]}</c> (atomic), and point-in-time recovery:
/// <c>GET /bookmark</c> → <c>{"bookmark"}</c>, <c>POST /restore?bookmark=B</c> → <c>{"undo"}</c> (the next request sees
/// the state at B).
/// </summary>
public sealed class KvStore(DurableObjectState state) : DurableObject
{
    private const int DefaultListLimit = 1_000;
    private const int MaxListLimit = 10_000;
    private const string KeyPrefix = "/keys/";

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => SampleRequest.Guard(async () =>
    {
        var path = request.Path();
        var method = request.Method;
        if (path.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            var key = SampleRequest.Decode(path[KeyPrefix.Length..]);
            if (method == HttpMethod.Put) return await PutAsync(key, request);
            if (method == HttpMethod.Get) return await GetAsync(key);
            if (method == HttpMethod.Delete)
                return SampleRequest.Json(new { deleted = await state.Storage.DeleteAsync(key) });
            return ErrorResponse.MethodNotAllowed(method, path, HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete);
        }
        return path switch
        {
            "/keys" when method == HttpMethod.Get => await ListAsync(request),
            "/batch" when method == HttpMethod.Post => await BatchAsync(request),
            "/bookmark" when method == HttpMethod.Get =>
                SampleRequest.Json(new { bookmark = await state.Storage.GetCurrentBookmarkAsync() }),
            "/restore" when method == HttpMethod.Post => await RestoreAsync(request),
            "/keys" or "/bookmark" => ErrorResponse.MethodNotAllowed(method, path, HttpMethod.Get),
            "/batch" or "/restore" => ErrorResponse.MethodNotAllowed(method, path, HttpMethod.Post),
            _ => ErrorResponse.NotFound($"The kv store has no route {path}."),
        };
    });

    private async Task<HttpResponseMessage> PutAsync(string key, HttpRequestMessage request)
    {
        var value = await request.ReadJsonAsync();
        await state.Storage.PutAsync(key, value);
        return new HttpResponseMessage(HttpStatusCode.NoContent);
    }

    private async Task<HttpResponseMessage> GetAsync(string key)
    {
        // A stored JSON null reads back as a null element of kind Null; an absent key as no element at all.
        var entries = await state.Storage.GetAsync<JsonElement>([key]);
        return entries.TryGetValue(key, out var value)
            ? SampleRequest.Json(value)
            : ErrorResponse.NotFound($"No value is stored under key '{key}'.");
    }

    private async Task<HttpResponseMessage> ListAsync(HttpRequestMessage request)
    {
        var limit = request.QueryInt64("limit") ?? DefaultListLimit;
        if (limit is < 1 or > MaxListLimit)
            throw new BadInputException($"Query parameter 'limit' must be between 1 and {MaxListLimit}; got {limit}.");
        var start = request.Query("start");
        var startAfter = request.Query("startAfter");
        if (start is not null && startAfter is not null)
            throw new BadInputException("Query parameters 'start' and 'startAfter' cannot be combined.");
        var entries = await state.Storage.ListAsync<JsonElement>(new ListOptions
        {
            Prefix = request.Query("prefix"),
            Start = start,
            StartAfter = startAfter,
            End = request.Query("end"),
            Reverse = request.QueryBool("reverse") ?? false,
            Limit = (int)limit,
        });
        return SampleRequest.Json(entries);
    }

    private async Task<HttpResponseMessage> RestoreAsync(HttpRequestMessage request)
    {
        var bookmark = request.Query("bookmark") is { Length: > 0 } b ? b : throw new BadInputException("Query parameter 'bookmark' is required.");
        try
        {
            return SampleRequest.Json(new { undo = await state.Storage.OnNextSessionRestoreBookmarkAsync(bookmark) });
        }
        catch (Exception error) when (error is FormatException or ArgumentException or PointInTimeUnavailableException)
        {
            throw new BadInputException(error.Message);
        }
    }

    private async Task<HttpResponseMessage> BatchAsync(HttpRequestMessage request)
    {
        var body = await request.ReadJsonAsync();
        if (body.ValueKind != JsonValueKind.Object)
            throw new BadInputException("A batch is a JSON object {\"put\":{...},\"delete\":[...]}.");
        var puts = new List<KeyValuePair<string, JsonElement>>();
        var deletes = new List<string>();
        foreach (var member in body.EnumerateObject())
        {
            switch (member.Name)
            {
                case "put" when member.Value.ValueKind == JsonValueKind.Object:
                    puts.AddRange(member.Value.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value)));
                    break;
                case "delete" when member.Value.ValueKind == JsonValueKind.Array:
                    foreach (var item in member.Value.EnumerateArray())
                        deletes.Add(item.ValueKind == JsonValueKind.String
                            ? item.GetString()!
                            : throw new BadInputException("Every key in \"delete\" must be a string."));
                    break;
                default:
                    throw new BadInputException($"Unexpected batch member \"{member.Name}\": expected \"put\" (object) or \"delete\" (array).");
            }
        }
        // One transaction: a limit broken by the deletes undoes the puts too.
        await state.Storage.TransactionAsync(async tx =>
        {
            if (puts.Count > 0) await tx.PutAsync(puts);
            if (deletes.Count > 0) await tx.DeleteAsync(deletes);
        });
        return new HttpResponseMessage(HttpStatusCode.NoContent);
    }
}
