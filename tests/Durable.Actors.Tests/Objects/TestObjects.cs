using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Objects;

/// <summary>get + put read-modify-write, the shape of Cloudflare's counter.</summary>
public sealed class TestCounter(DurableObjectState state, Probe probe) : DurableObject
{
    private readonly int _instance = probe.Bump("counter.instances");

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        probe.Bump("counter.fetches");
        var path = request.RequestUri!.AbsolutePath;
        var value = await state.Storage.GetAsync<long>("n");
        if (request.Method == HttpMethod.Post && path == "/increment")
        {
            value++;
            await state.Storage.PutAsync("n", value);
        }
        else if (path == "/instance") return Text(_instance.ToString());
        else if (path == "/throw") throw new InvalidOperationException("boom from the object");
        else if (path == "/crash-async-void") CrashLater();
        else if (path == "/crash-bcw") _ = state.BlockConcurrencyWhileAsync(() => throw new InvalidOperationException("bcw failed"));
        else if (path == "/block") await probe.Gate("counter.block");
        else if (path == "/wait-until") state.WaitUntil(probe.Gate("counter.background"));
        return Text(value.ToString());
    }

    private async void CrashLater()
    {
        await Task.Yield();
        throw new InvalidOperationException("crash outside any event");
    }

    internal static HttpResponseMessage Text(string text) => new(HttpStatusCode.OK) { Content = new StringContent(text) };
}

/// <summary>Records when more than one thread is inside it at once, across awaits and interleaved events.</summary>
public sealed class ThreadDetector(DurableObjectState state, Probe probe) : DurableObject
{
    private readonly OverlapDetector _detector = new(() => probe.Bump("detector.overlap"));
    private long _sum;

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        for (var step = 0; step < 3; step++)
        {
            _detector.Enter();
            _sum += step;
            Thread.SpinWait(50);
            await state.Storage.PutAsync("sum", _sum);
            _detector.Exit();
            await Task.Yield();
        }
        return TestCounter.Text("ok");
    }

}

/// <summary>
/// Posts five callbacks to the object's context in one go (the second posts a sixth while the rest wait), then one
/// more once they have run, and answers the order they ran in.
/// </summary>
public sealed class PostOrder : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var context = SynchronizationContext.Current ?? throw new InvalidOperationException("no object context");
        var order = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.None);
        void Run(int n)
        {
            order.Add(n);
            if (n == 1) context.Post(_ => Run(9), null);
            if (order.Count == 6) done.SetResult();
        }
        for (var i = 0; i < 5; i++)
        {
            var n = i;
            context.Post(_ => Run(n), null);
        }
        await done.Task;
        // Once more after the queue has drained: one waiting continuation again.
        context.Post(_ => order.Add(5), null);
        await Task.Yield();
        return TestCounter.Text(string.Join(",", order));
    }
}

/// <summary>Reports when a second thread enters while another is inside.</summary>
public sealed class OverlapDetector(Action onOverlap)
{
    private int _inside;

    public void Enter()
    {
        if (Interlocked.Increment(ref _inside) != 1) onOverlap();
    }

    public void Exit() => Interlocked.Decrement(ref _inside);
}

/// <summary>Calls another object from inside a fetch: "/a-to-b" makes A call B, and B calls A back.</summary>
public sealed class PingPong(DurableObjectState state, IServiceProvider env) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var ns = env.GetDurableObjectNamespace("pingpong");
        switch (request.RequestUri!.AbsolutePath)
        {
            case "/call":
                using (var client = ns.GetByName(await ReadBody(request)).CreateHttpClient())
                    return TestCounter.Text($"{state.Name} got [{await client.GetStringAsync("/callback?from=" + state.Name)}]");
            case "/callback":
                var from = request.RequestUri.Query.Split('=')[1];
                using (var client = ns.GetByName(from).CreateHttpClient())
                    return TestCounter.Text($"{state.Name} heard {await client.GetStringAsync("/name")}");
            default:
                return TestCounter.Text(state.Name ?? "?");
        }
    }

    private static async Task<string> ReadBody(HttpRequestMessage request) => await request.Content!.ReadAsStringAsync();
}

/// <summary>Throws from its constructor while the probe's "ctor.fail" counter is below 2.</summary>
public sealed class FragileConstructor : DurableObject
{
    public FragileConstructor(DurableObjectState state, Probe probe)
    {
        if (probe.Bump("ctor.attempts") == 1) throw new InvalidOperationException("constructor refuses the first time");
    }

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => Task.FromResult(TestCounter.Text("constructed"));
}

/// <summary>Initialises in BlockConcurrencyWhileAsync from its constructor, like Cloudflare's schema-migration idiom.</summary>
public sealed class SlowStart : DurableObject
{
    private readonly Probe _probe;
    private string _phase = "constructed";

    public SlowStart(DurableObjectState state, Probe probe)
    {
        _probe = probe;
        probe.Bump("slowstart.constructed");
        _ = state.BlockConcurrencyWhileAsync(async () =>
        {
            await probe.Gate("slowstart.init");
            _phase = "initialised";
        });
    }

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        _probe.Bump("slowstart.fetches");
        return Task.FromResult(TestCounter.Text(_phase));
    }
}

/// <summary>Exercises storage misuse and coalescing.</summary>
public sealed class StorageUser(DurableObjectState state) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        switch (request.RequestUri!.AbsolutePath)
        {
            case "/three-puts":
                await state.Storage.PutAsync("a", 1);
                await state.Storage.PutAsync("b", 2);
                await state.Storage.PutAsync("c", 3);
                return TestCounter.Text("ok");
            case "/outside-turn":
                await Task.Delay(1).ConfigureAwait(false);
                await state.Storage.PutAsync("x", 1);
                return TestCounter.Text("unreachable");
            case "/transaction-rollback":
                await state.Storage.PutAsync("kept", 1);
                try
                {
                    await state.Storage.TransactionAsync(async tx =>
                    {
                        await tx.PutAsync("kept", 2);
                        await tx.PutAsync("dropped", 3);
                        throw new InvalidOperationException("abort");
                    });
                }
                catch (InvalidOperationException)
                {
                }
                var kept = await state.Storage.GetAsync<int>("kept");
                var dropped = await state.Storage.GetAsync<int?>("dropped");
                return TestCounter.Text($"kept={kept} dropped={dropped?.ToString() ?? "none"}");
            case "/sync":
                await state.Storage.PutAsync("s", 1);
                await state.Storage.SyncAsync();
                return TestCounter.Text("synced");
            default:
                return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }
}

public static class TestNamespaces
{
    public static void AddAll(Hosting.DurableObjectsOptions o) => o
        .AddNamespace<TestCounter>("counter")
        .AddNamespace<ThreadDetector>("detector")
        .AddNamespace<PostOrder>("postorder")
        .AddNamespace<PingPong>("pingpong")
        .AddNamespace<FragileConstructor>("fragile")
        .AddNamespace<SlowStart>("slowstart")
        .AddNamespace<StorageUser>("storage")
        .AddNamespace<AlarmObject>("alarm");

    public static void AddProbe(IServiceCollection services) => services.AddSingleton<Probe>();
}
