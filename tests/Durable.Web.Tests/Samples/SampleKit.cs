using System.Text;
using Durable.TestKit;
using Durable.Web.Samples;

namespace Durable.Web.Tests.Samples;

internal static class SampleKit
{
    public static Task<DurableTestRuntime> StartAsync() => DurableTestRuntime.StartAsync(o => o.AddSamples());

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(int Status, string Body)> CallAsync(
        this DurableTestRuntime kit, string ns, string name, HttpMethod method, string path, HttpContent? content = null)
    {
        using var response = await kit.SendAsync(ns, name, method, path, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
