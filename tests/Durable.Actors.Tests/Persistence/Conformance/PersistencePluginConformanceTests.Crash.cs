using Durable.Actors.Tests.Storage;

namespace Durable.Actors.Tests.Persistence.Conformance;

public abstract partial class PersistencePluginConformanceTests<TFixture>
{
    private const int CrashWriters = 4;
    private const int Kills = 5;

    /// <summary>
    /// A child process (tests/Durable.Storage.CrashChild, mode <c>akka</c>) persists three-event groups through persistent
    /// actors on this plugin and prints each acknowledged group; it is SIGKILLed with writes in flight, five times, each
    /// new child recovering the ids and going on. After every kill this process replays each id: every acknowledged
    /// group is there, and what is there is whole groups in sequence (no half of an atomic write).
    /// </summary>
    [Fact]
    public Task A_SIGKILL_mid_write_loses_no_acknowledged_event_and_leaves_no_half_group() => ConformAsync(async () =>
    {
        var prefix = "crash-" + Guid.NewGuid().ToString("n")[..12];
        var acked = new Dictionary<string, long>();
        var random = new Random(20261203);
        for (var kill = 1; kill <= Kills; kill++)
        {
            var ofThisChild = new Dictionary<string, long>();
            var acks = 0;
            var gate = new Lock();
            await using (var child = CrashChild.Start(["akka", prefix, CrashWriters.ToString(), .. Plugin.CrashChildArguments], line =>
            {
                if (!line.StartsWith("ack ", StringComparison.Ordinal)) return;
                var parts = line.Split(' ');
                lock (gate) ofThisChild[parts[1]] = Math.Max(ofThisChild.GetValueOrDefault(parts[1]), long.Parse(parts[2]));
                Interlocked.Increment(ref acks);
            }))
            {
                var target = random.Next(1, 80);
                await child.WaitUntilAsync(() => Volatile.Read(ref acks) >= target, TimeSpan.FromSeconds(90), $"kill {kill}: waiting for {target} acks");
                child.Kill();
            }
            lock (gate)
                foreach (var (id, n) in ofThisChild) acked[id] = Math.Max(acked.GetValueOrDefault(id), n);

            for (var i = 0; i < CrashWriters; i++)
            {
                var id = $"{prefix}-w{i}";
                var (events, highest) = await ReplayAsync(id);
                var groups = events.Count / 3;
                Assert.True(events.Count % 3 == 0, $"after kill {kill}: {id} has {events.Count} events, not whole groups of three");
                for (var k = 0; k < events.Count; k++)
                {
                    var expected = $"{k / 3 + 1}/{"abc"[k % 3]}";
                    Assert.True(events[k].SequenceNr == k + 1 && Equals(events[k].Payload, expected),
                        $"after kill {kill}: {id} event {k + 1} is #{events[k].SequenceNr} '{events[k].Payload}', expected '{expected}'");
                }
                Assert.True(groups >= acked.GetValueOrDefault(id), $"after kill {kill}: {id} has {groups} groups but {acked.GetValueOrDefault(id)} were acknowledged");
                Assert.Equal(events.Count, highest);
            }
        }
        Output.WriteLine($"{Plugin.GetType().Name}: {Kills} SIGKILLs, {acked.Values.Sum()} acknowledged groups of 3 events verified");
    });
}
