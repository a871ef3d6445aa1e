using System.Text;
using Durable.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Durable.Web.Samples;

namespace Durable.Web.Tests.Samples;

internal static class SampleKit
{
    /// <summary>The samples on the Akka engine, journaling to the test journal (faults through <c>kit.Journal</c>), or to
    /// a SQLite file at <paramref name="journalPath"/> (which keeps the history point-in-time recovery reads).</summary>
    public static Task<DurableTestRuntime> StartAsync(string? journalPath = null) =>
        DurableTestRuntime.StartAsync(o => o.AddSamples(), journalPath is null ? null : ObjectJournal.Sqlite(_ => journalPath));

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(int Status, string Body)> CallAsync(
        this DurableTestRuntime kit, string ns, string name, HttpMethod method, string path, HttpContent? content = null)
    {
        using var response = await kit.SendAsync(ns, name, method, path, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
