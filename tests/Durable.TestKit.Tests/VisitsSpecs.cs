using static System.Net.Http.HttpMethod;

namespace Durable.TestKit.Tests;

/// <summary>The README's example: a new object and its whole spec on the Akka engine.</summary>
public sealed class Visits(DurableObjectState state) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var n = await state.Storage.GetAsync<int>("n") + 1;
        await state.Storage.PutAsync("n", n);
        return new HttpResponseMessage { Content = new StringContent(n.ToString()) };
    }
}

public class VisitsSpecs
{
    [Fact]
    public async Task Each_visit_is_answered_once_durable_survives_passivation_and_a_failed_commit_loses_only_itself()
    {
        await using var kit = await DurableTestRuntime.StartAsync(o => o.AddNamespace<Visits>("visits"));
        Assert.Equal("1", await kit.SendForStringAsync("visits", "home", Post, "/"));

        var hold = kit.Journal.HoldAppends();                      // the journal write waits until released
        var held = kit.SendForStringAsync("visits", "home", Post, "/");
        await kit.Journal.WaitForAppendsAsync(2);
        Assert.False(held.IsCompleted);                            // output gate: no answer before the write is durable
        hold.Release();
        Assert.Equal("2", await held);

        kit.Journal.FailNextAppend();                              // the caller gets object_reset, the object restarts
        var reset = await Assert.ThrowsAsync<DurableObjectResetException>(() => kit.SendForStringAsync("visits", "home", Post, "/"));
        Assert.Equal("object_reset", reset.Code);

        await kit.AdvanceAsync(TimeSpan.FromSeconds(71));          // idle past IdleTimeout (70 s): passivated
        Assert.False(kit.IsActive(kit.IdFromName("visits", "home")));
        Assert.Equal("3", await kit.SendForStringAsync("visits", "home", Post, "/"));
        Assert.Equal(3, await kit.ReadDurableAsync<int>(kit.IdFromName("visits", "home"), "n"));
    }
}
