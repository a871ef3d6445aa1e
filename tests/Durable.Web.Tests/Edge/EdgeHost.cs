using Durable.Hosting;
using Durable.TestKit;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Tests.Edge;

/// <summary>
/// A node as the program builds it (AddDurableObjects + AddDurableEdge + MapDurableObjects) on real Kestrel at a
/// loopback port chosen by the OS, serving the samples plus the test objects of <see cref="EdgeProbe"/>.
/// </summary>
internal sealed class EdgeHost((WebApplication App, Uri Address, string? Directory) started) : TestNode(started)
{
    public static async Task<EdgeHost> StartAsync(
        Action<DurableObjectsOptions>? objects = null,
        Action<DurableEdgeOptions>? edge = null,
        JournalFaults? faults = null)
    {
        return new EdgeHost(await StartAppAsync(
            o =>
            {
                o.AddNamespace<EdgeProbe>("probe").AddNamespace<BrokenConstructor>("broken");
                objects?.Invoke(o);
            },
            services => services.AddDurableEdge(edge),
            faults));
    }

    public async Task<Answer> SendAsync(HttpMethod method, string target, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, target) { Content = content };
        using var response = await Client.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    public Task<Answer> GetAsync(string target) => SendAsync(HttpMethod.Get, target);

    public Task<Answer> PostAsync(string target, HttpContent? content = null) => SendAsync(HttpMethod.Post, target, content);
}

/// <summary>An HTTP answer read whole: status, body text, and the headers the edge contract cares about.</summary>
internal sealed record Answer(
    int Status, string Body, string? ContentType, string? DurableId, string? DurableNamespace, string? RetryAfter, IReadOnlyList<string> Allow)
{
    public static async Task<Answer> ReadAsync(HttpResponseMessage response) => new(
        (int)response.StatusCode,
        await response.Content.ReadAsStringAsync(),
        response.Content.Headers.ContentType?.MediaType,
        Header(response, "X-Durable-Id"),
        Header(response, "X-Durable-Namespace"),
        Header(response, "Retry-After"),
        [.. response.Content.Headers.Allow]);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>The code of a JSON error body, or null when the body is not one.</summary>
    public string? ErrorCode
    {
        get
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(Body);
                return doc.RootElement.GetProperty("error").GetProperty("code").GetString();
            }
            catch (Exception)
            {
                return null;
            }
        }
    }

    public void AssertError(int status, string code)
    {
        Assert.True(Status == status && ErrorCode == code, $"expected {status} {code}, got {Status} {Body}");
        Assert.Equal("application/json", ContentType);
    }

    /// <summary>405 <c>method_not_allowed</c> in the JSON shape, with <c>Allow</c> naming exactly <paramref name="allowed"/>.</summary>
    public void AssertMethodNotAllowed(params string[] allowed)
    {
        AssertError(405, "method_not_allowed");
        Assert.True(Allow.Order().SequenceEqual(allowed.Order()), $"Allow: '{string.Join(", ", Allow)}', expected '{string.Join(", ", allowed)}'");
    }
}
