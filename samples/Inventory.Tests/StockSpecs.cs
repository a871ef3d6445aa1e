using Durable;
using Durable.TestKit;
using static System.Net.Http.HttpMethod;

namespace Inventory.Tests;

public class StockSpecs
{
    [Fact]
    public async Task Reservations_take_stock_until_too_little_is_left_and_a_confirmed_order_keeps_its_items()
    {
        await using var kit = await StartAsync(restock: 3);
        Assert.Equal(201, (await kit.CallAsync(Post, "/reserve?order=a&qty=2")).Status);
        Assert.Equal((409, """{"error":{"code":"out_of_stock","message":"Cannot hold 2 for order b: too few left, or the order holds some already."}}"""),
            await kit.CallAsync(Post, "/reserve?order=b&qty=2"));
        Assert.Equal((200, """{"available":1,"held":0}"""), await kit.CallAsync(Post, "/confirm?order=a"));
        await kit.AdvanceAsync(Stock.HoldFor);
        Assert.Equal((200, """{"available":1,"held":0}"""), await kit.CallAsync(Get, "/"));
    }

    [Fact]
    public async Task Each_unconfirmed_hold_goes_back_to_stock_when_it_expires()
    {
        await using var kit = await StartAsync(restock: 5);
        await kit.CallAsync(Post, "/reserve?order=a&qty=2");
        await kit.AdvanceAsync(TimeSpan.FromMinutes(5));
        await kit.CallAsync(Post, "/reserve?order=b&qty=1");
        await kit.AdvanceAsync(Stock.HoldFor - TimeSpan.FromMinutes(5));
        Assert.Equal((200, """{"available":4,"held":1}"""), await kit.CallAsync(Get, "/"));
        await kit.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Equal((200, """{"available":5,"held":0}"""), await kit.CallAsync(Get, "/"));
        Assert.Equal(404, (await kit.CallAsync(Post, "/confirm?order=b")).Status);
    }

    [Fact]
    public async Task Reservation_whose_commit_fails_takes_nothing_and_sets_no_alarm()
    {
        await using var kit = await StartAsync(restock: 3);
        kit.Journal.FailNextAppend();
        await Assert.ThrowsAsync<DurableObjectResetException>(() => kit.CallAsync(Post, "/reserve?order=a&qty=2"));
        Assert.Equal((200, """{"available":3,"held":0}"""), await kit.CallAsync(Get, "/"));
        // The alarm book may still hold the time the failed commit would have set: it comes due and is dropped unrun.
        await kit.AdvanceAsync(Stock.HoldFor);
        Assert.Empty(await kit.AlarmBookEntriesAsync(kit.IdFromName("stock", "sku-1")));
        Assert.Equal((200, """{"available":3,"held":0}"""), await kit.CallAsync(Get, "/"));
    }

    private static async Task<DurableTestRuntime> StartAsync(int restock)
    {
        var kit = await DurableTestRuntime.StartAsync(o => o.AddNamespace<Stock>("stock"));
        await kit.CallAsync(Post, $"/restock?qty={restock}");
        return kit;
    }
}

internal static class StockCalls
{
    public static async Task<(int Status, string Body)> CallAsync(this DurableTestRuntime kit, HttpMethod method, string path)
    {
        using var response = await kit.SendAsync("stock", "sku-1", method, path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
