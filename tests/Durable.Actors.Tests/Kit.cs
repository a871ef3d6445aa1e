using Durable.Actors.Tests.Objects;
using Durable.Hosting;
using Durable.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests;

internal static class Kit
{
    /// <summary>A runtime with the test objects (sharded persistent actors on the test journal, virtual time).</summary>
    public static Task<DurableTestRuntime> StartAsync(
        Action<DurableObjectsOptions>? tune = null,
        Action<IServiceCollection>? services = null,
        VirtualClock? clock = null) =>
        DurableTestRuntime.StartAsync(o =>
        {
            TestNamespaces.AddAll(o);
            tune?.Invoke(o);
        }, services: s =>
        {
            TestNamespaces.AddProbe(s);
            services?.Invoke(s);
        }, clock: clock);

    public static Probe Probe(this DurableTestRuntime kit) => kit.Services.GetRequiredService<Probe>();

    public static HttpRequestMessage Post(string path) => new(HttpMethod.Post, path);

    public static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    public static async Task<string> TextAsync(this Task<HttpResponseMessage> response)
    {
        using var r = await response;
        return await r.Content.ReadAsStringAsync();
    }

    /// <summary>Bounds a wait in real time; the message names what was being waited for.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string phase, int seconds = 10)
    {
        try
        {
            return await task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {seconds} s waiting for: {phase}");
        }
    }

    public static async Task Within(this Task task, string phase, int seconds = 10)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {seconds} s waiting for: {phase}");
        }
    }
}
