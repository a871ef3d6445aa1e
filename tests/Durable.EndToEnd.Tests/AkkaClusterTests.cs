using System.Diagnostics;
using Xunit.Abstractions;

namespace Durable.EndToEnd.Tests;

/// <summary>Cluster mode on the akka engine with real node processes on loopback and a real PostgreSQL: formation
/// through PostgreSQL (one cluster however the nodes' starts interleave) and failover of a killed node's membership.</summary>
[Collection("cluster processes")]
public sealed class AkkaClusterTests(ITestOutputHelper output)
{
    /// <summary>hocon/durable.conf: a kill -9'd node is removed and its shards served elsewhere within 10 s.</summary>
    private static readonly TimeSpan FailoverBudget = TimeSpan.FromSeconds(10);

    private const int Rounds = 8;

    [Fact]
    public async Task Three_nodes_started_at_the_same_instant_always_form_one_cluster()
    {
        for (var round = 1; round <= Rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            await using var cluster = await AkkaClusterNodes.StartAsync(3);
            var selves = new HashSet<string>();
            foreach (var client in cluster.Clients) selves.Add(await AkkaClusterNodes.SelfAsync(client));
            Assert.Equal(3, selves.Count);
            // Every node lists the same three members, all up: two clusters would show as a node listing fewer.
            await AkkaClusterNodes.WaitAgreedAsync(cluster.Clients, selves, 3, TimeSpan.FromSeconds(45), $"round {round}");
            output.WriteLine($"round {round}: one cluster of 3, agreed {watch.Elapsed.TotalSeconds:F1} s after the starts");
        }
    }

    [Fact]
    public async Task A_killed_node_is_downed_and_no_longer_listed_within_the_failover_budget()
    {
        await using var cluster = await AkkaClusterNodes.StartAsync(3);
        await AkkaClusterNodes.WaitAgreedAsync(cluster.Clients, null, 3, TimeSpan.FromSeconds(45), "formation");
        var victim = await AkkaClusterNodes.SelfAsync(cluster.Clients[1]);
        var survivors = new[] { cluster.Clients[0], cluster.Clients[2] };
        var expected = new HashSet<string> { await AkkaClusterNodes.SelfAsync(survivors[0]), await AkkaClusterNodes.SelfAsync(survivors[1]) };

        var watch = Stopwatch.StartNew();
        cluster.Nodes[1].Kill();
        output.WriteLine($"killed at {DateTime.UtcNow:HH:mm:ss.fff}");
        var removed = await AkkaClusterNodes.WaitAgreedAsync(survivors, expected, 2, FailoverBudget + TimeSpan.FromSeconds(20), $"removal of {victim}",
            healthy: false);
        output.WriteLine($"{victim} killed; the other two listed only themselves, up, {removed.TotalSeconds:F1} s later");
        // Healthy again: Up and every region registered with its coordinator (moved off the killed node if it was there).
        await AkkaClusterNodes.WaitAgreedAsync(survivors, expected, 2, TimeSpan.FromSeconds(30), "health after the removal");
        output.WriteLine($"both healthy {watch.Elapsed.TotalSeconds:F1} s after the kill");
        foreach (var line in cluster.Nodes[0].Output.Split('\n').Where(l => l.Contains("UNREACHABLE") || l.Contains("SBR") || l.Contains("Removing") || l.Contains("removing")))
            output.WriteLine(line.Trim());
        Assert.True(removed <= FailoverBudget, $"{victim} was still listed {removed.TotalSeconds:F1} s after its kill; the budget is {FailoverBudget.TotalSeconds} s.");
    }
}
