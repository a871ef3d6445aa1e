using Durable.TestKit;

namespace Durable.Actors.Tests.Objects;

/// <summary>
/// Alarm behaviour both engines must show, on an <see cref="AlarmObject"/>, moved by virtual time. The virtual clock
/// starts at 00:00:00, so "mm:ss" in the attempts log reads as time since the start.
/// </summary>
internal static class AlarmSpecs
{
    public static Task<string> Call(DurableObjectStub stub, string path) =>
        stub.FetchAsync(path is "/get" or "/attempts" ? Kit.Get(path) : Kit.Post(path)).TextAsync();

    /// <summary>An alarm set 10 s ahead does not run at 9.9 s, runs at 10 s, never again, and is then unset.</summary>
    public static async Task FiresOnceAtItsTimeAsync(DurableTestRuntime kit, DurableObjectStub stub)
    {
        await Call(stub, "/set?10");

        await kit.AdvanceAsync(TimeSpan.FromSeconds(9.9));
        Assert.Equal(0, kit.Probe().Count("alarm.runs"));
        await kit.AdvanceAsync(TimeSpan.FromSeconds(0.1));

        Assert.Equal("0@00:10", await Call(stub, "/attempts"));
        await kit.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(1, kit.Probe().Count("alarm.runs"));
        Assert.Equal("none", await Call(stub, "/get"));
    }

    /// <summary>A handler that always throws runs at 1 s, then 2, 4, 8, 16, 32 and 64 s after each failure: 7 runs in all.</summary>
    public static async Task RetriesWithDoublingBackoffAsync(DurableTestRuntime kit, DurableObjectStub stub)
    {
        for (var i = 0; i < 100; i++) kit.Probe().Bump("alarm.failures");
        await Call(stub, "/set?1");

        foreach (var step in new[] { 1, 2, 4, 8, 16, 32, 64 })
        {
            await kit.AdvanceAsync(TimeSpan.FromSeconds(step - 0.5));
            var before = kit.Probe().Count("alarm.runs");
            await kit.AdvanceAsync(TimeSpan.FromSeconds(0.5));
            Assert.Equal(before + 1, kit.Probe().Count("alarm.runs"));
        }
        await kit.AdvanceAsync(TimeSpan.FromMinutes(30));

        Assert.Equal(7, kit.Probe().Count("alarm.runs"));
    }
}
