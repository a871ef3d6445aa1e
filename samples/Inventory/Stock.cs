using System.Globalization;
using System.Net;
using Durable;
using Durable.Storage;
using Durable.Web;
using Microsoft.AspNetCore.WebUtilities;

namespace Inventory;

/// <summary>
/// The stock of one product, one object per SKU. A checkout reserves items for an order: they leave the available
/// stock at once and stay held until the order is confirmed, or until the hold expires and the object's alarm puts
/// them back. <c>GET /</c> <c>{"available":n,"held":n}</c>; <c>POST /restock?qty=N</c>;
/// <c>POST /reserve?order=ID&amp;qty=N</c> 201, or 409 out_of_stock; <c>POST /confirm?order=ID</c> the sale is final,
/// or 404 when the order holds nothing (its hold expired).
/// </summary>
public sealed class Stock(DurableObjectState state, TimeProvider time) : DurableObject
{
    public static readonly TimeSpan HoldFor = TimeSpan.FromMinutes(15);

    private const string Available = "available";
    private const string HoldPrefix = "hold:";

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Get && path == "/") return await LevelsAsync();
        if (request.Method != HttpMethod.Post || path is not ("/restock" or "/reserve" or "/confirm"))
            return ErrorResponse.NotFound($"Stock has no route {request.Method} {path}.");

        var query = QueryHelpers.ParseQuery(request.RequestUri.Query);
        int? qty = int.TryParse(query.GetValueOrDefault("qty"), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n is >= 1 and <= 1_000_000 ? n : null;
        var order = query.GetValueOrDefault("order").ToString() is { Length: >= 1 and <= 100 } id ? id : null;
        return (path, qty, order) switch
        {
            ("/restock", { } items, _) => await RestockAsync(items),
            ("/reserve", { } items, { } o) => await ReserveAsync(o, items),
            ("/confirm", _, { } o) => await ConfirmAsync(o),
            ("/restock", _, _) => ErrorResponse.BadRequest("/restock needs qty, 1 to 1000000."),
            _ => ErrorResponse.BadRequest($"{path} needs order, 1 to 100 characters{(path == "/reserve" ? ", and qty, 1 to 1000000" : "")}."),
        };
    }

    /// <summary>Puts the items of expired holds back, and wakes again when the next hold expires.</summary>
    public override async Task AlarmAsync(AlarmInfo alarm)
    {
        var now = time.GetUtcNow();
        var holds = await HoldsAsync();
        var expired = holds.Where(h => h.Value.ExpiresAt <= now).ToList();
        await state.Storage.PutAsync(Available, await state.Storage.GetAsync<long>(Available) + expired.Sum(h => h.Value.Qty));
        await state.Storage.DeleteAsync(expired.Select(h => h.Key));
        var pending = holds.Values.Where(h => h.ExpiresAt > now).ToList();
        if (pending.Count > 0) await state.Storage.SetAlarmAsync(pending.Min(h => h.ExpiresAt));
    }

    private async Task<HttpResponseMessage> RestockAsync(int qty)
    {
        await state.Storage.PutAsync(Available, await state.Storage.GetAsync<long>(Available) + qty);
        return await LevelsAsync();
    }

    private async Task<HttpResponseMessage> ReserveAsync(string order, int qty)
    {
        var expiresAt = time.GetUtcNow() + HoldFor;
        // The check, the decrement, the hold and the alarm commit together or not at all.
        var reserved = await state.Storage.TransactionAsync(async tx =>
        {
            var available = await tx.GetAsync<long>(Available);
            if (available < qty || await tx.GetAsync<Hold>(HoldPrefix + order) is not null) return false;
            await tx.PutAsync(Available, available - qty);
            await tx.PutAsync(HoldPrefix + order, new Hold(qty, expiresAt));
            // Every hold lasts HoldFor, so an alarm already set is for an earlier hold and fires first.
            if (await state.Storage.GetAlarmAsync() is null) await state.Storage.SetAlarmAsync(expiresAt);
            return true;
        });
        return reserved
            ? Json(new { order, qty, expiresAt }, HttpStatusCode.Created)
            : ErrorResponse.Create(HttpStatusCode.Conflict, "out_of_stock",
                $"Cannot hold {qty} for order {order}: too few left, or the order holds some already.");
    }

    private async Task<HttpResponseMessage> ConfirmAsync(string order) =>
        await state.Storage.DeleteAsync(HoldPrefix + order)
            ? await LevelsAsync()
            : ErrorResponse.NotFound($"Order {order} holds nothing here; its hold may have expired.");

    private async Task<HttpResponseMessage> LevelsAsync()
    {
        var held = (await HoldsAsync()).Values.Sum(h => (long)h.Qty);
        return Json(new { available = await state.Storage.GetAsync<long>(Available), held });
    }

    private async Task<Dictionary<string, Hold>> HoldsAsync() =>
        (await state.Storage.ListAsync<Hold>(new ListOptions { Prefix = HoldPrefix })).ToDictionary(h => h.Key, h => h.Value!);

    private static HttpResponseMessage Json<T>(T body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = JsonContent.Create(body) };

    private sealed record Hold(int Qty, DateTimeOffset ExpiresAt);
}
