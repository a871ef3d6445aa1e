using System.Net;
using Durable.Hosting;
using Durable.Storage;
using Durable.Web.Edge;
using Durable.Web.Samples;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Tests.Edge;

/// <summary>
/// A node as the program builds it (AddDurableObjects + AddDurableEdge + MapDurableObjects) on real Kestrel at a
/// loopback port chosen by the OS, serving the samples plus the test objects of <see cref="EdgeProbe"/>.
/// </summary>
internal sealed class EdgeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EdgeHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<EdgeHost> StartAsync(
        Action<DurableObjectsOptions>? objects = null,
        Action<DurableEdgeOptions>? edge = null,
        IDurableStorageProvider? storage = null)
    {
        var (app, address) = await TestNodeApp.StartAsync(
            o =>
            {
                o.AddNamespace<EdgeProbe>("probe").AddNamespace<BrokenConstructor>("broken");
                objects?.Invoke(o);
            },
            services => services.AddDurableEdge(edge),
            storage);
        return new EdgeHost(app, address);
    }

    public async Task<Answer> SendAsync(HttpMethod method, string target, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, target) { Content = content };
        using var response = await Client.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    public Task<Answer> GetAsync(string target) => SendAsync(HttpMethod.Get, target);

    public Task<Answer> PostAsync(string target, HttpContent? content = null) => SendAsync(HttpMethod.Post, target, content);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An HTTP answer read whole: status, body text, and the headers the edge contract cares about.</summary>
internal sealed record Answer(int Status, string Body, string? ContentType, string? DurableId, string? DurableNamespace, string? RetryAfter)
{
    public static async Task<Answer> ReadAsync(HttpResponseMessage response) => new(
        (int)response.StatusCode,
        await response.Content.ReadAsStringAsync(),
        response.Content.Headers.ContentType?.MediaType,
        Header(response, "X-Durable-Id"),
        Header(response, "X-Durable-Namespace"),
        Header(response, "Retry-After"));

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
}
