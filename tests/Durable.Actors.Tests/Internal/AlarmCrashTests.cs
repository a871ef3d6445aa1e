using System.Collections.Concurrent;
using Durable.Actors.Tests.Storage;
using Xunit.Abstractions;

namespace Durable.Actors.Tests.Internal;

/// <summary>A real process sets alarms, is SIGKILLed while they come due, and restarts on the same SQLite file.</summary>
[Collection(PostgresServer.Collection)]
public sealed class AlarmCrashTests(ITestOutputHelper output)
{
    private const int Objects = 1000;

    private const string Mode = "alarms";

    [Fact]
    public async Task Every_committed_alarm_fires_after_a_sigkill_and_restart()
    {
        var directory = Directory.CreateTempSubdirectory("durable-alarm-crash-").FullName;
        var path = Path.Combine(directory, "alarms.db");
        var log = new ChildLog();
        var (set, fired) = (log.Set, log.Fired);

        await using (var first = CrashChild.Start([Mode, path, Objects.ToString(), "set"], log.OnLine))
        {
            await first.WaitUntilAsync(() => set.Count == Objects, TimeSpan.FromSeconds(60), "all alarms set");
            // Alarms come due 1-3 s after they were set: kill the node while a quarter have fired and the rest have not.
            await first.WaitUntilAsync(() => fired.Count >= Objects / 4, TimeSpan.FromSeconds(30), "a quarter of the alarms firing");
            first.Kill();
        }
        var firedBeforeKill = fired.Count;

        await using (var second = CrashChild.Start([Mode, path, Objects.ToString(), "serve"], log.OnLine))
            await second.WaitUntilAsync(() => fired.Count == Objects, TimeSpan.FromSeconds(60), $"every alarm fired ({fired.Count} of {Objects})");

        var duplicates = fired.Values.Sum() - Objects;
        output.WriteLine($" {firedBeforeKill} alarms fired before the SIGKILL; all {Objects} fired in the end; {duplicates} ran twice");
        Assert.Equal(Objects, fired.Count);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    // The kill lands while objects are committing their alarms (noting them in their books, committing, confirming):
    // every alarm whose set was acknowledged must fire after the restart.
    [Fact]
    public async Task Every_acknowledged_alarm_fires_after_a_sigkill_while_alarms_are_being_set()
    {
        var directory = Directory.CreateTempSubdirectory("durable-alarm-crash-").FullName;
        var path = Path.Combine(directory, "alarms.db");
        var log = new ChildLog();
        var (set, fired) = (log.Set, log.Fired);

        await using (var first = CrashChild.Start([Mode, path, Objects.ToString(), "set-paced"], log.OnLine))
        {
            await first.WaitUntilAsync(() => set.Count >= Objects / 2, TimeSpan.FromSeconds(60), "half the alarms set");
            first.Kill();
        }
        var acknowledged = set.Keys.ToList();

        await using (var second = CrashChild.Start([Mode, path, Objects.ToString(), "serve"], log.OnLine))
            await second.WaitUntilAsync(() => acknowledged.All(fired.ContainsKey), TimeSpan.FromSeconds(60),
                $"every acknowledged alarm fired ({acknowledged.Count(fired.ContainsKey)} of {acknowledged.Count})");

        output.WriteLine($" {acknowledged.Count} alarms acknowledged before the SIGKILL; all fired after the restart; {fired.Count} fired in all");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>What the crash child prints: "set {object}" once an alarm's set is acknowledged, "fired {object}" per run.</summary>
    private sealed class ChildLog
    {
        public ConcurrentDictionary<string, bool> Set { get; } = new();

        public ConcurrentDictionary<string, int> Fired { get; } = new();

        public void OnLine(string line)
        {
            if (line.StartsWith("set ", StringComparison.Ordinal)) Set[line[4..]] = true;
            else if (line.StartsWith("fired ", StringComparison.Ordinal)) Fired.AddOrUpdate(line[6..], 1, (_, n) => n + 1);
        }
    }
}
