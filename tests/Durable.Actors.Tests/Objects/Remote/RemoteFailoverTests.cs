using System.Diagnostics;
using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using Durable.Actors.Tests.Storage;
using Xunit.Abstractions;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>
/// Two nodes whose remoting runs through Akka's throttler, so a test can cut them apart (a blackhole both ways, as a
/// frozen or unplugged node looks to the other), with an event deadline far longer than the failure detector needs. No
/// downing: a cut node stays an unreachable member until the cut heals (neither side's actor system stops).
/// </summary>
public sealed class PartitionableCluster() : RemoteCluster(TimeSpan.FromSeconds(60), """
    akka.remote.dot-netty.tcp.applied-adapters = [trttl]
    akka.cluster.downing-provider-class = ""
    """)
{
    /// <summary>Drops everything between the two nodes (or lets it through again).</summary>
    public async Task CutAsync(bool cut)
    {
        var one = Nodes[0].Objects.System;
        var two = global::Akka.Cluster.Cluster.Get(Nodes[1].Objects.System).SelfAddress;
        ThrottleMode mode = cut ? Blackhole.Instance : Unthrottled.Instance;
        Assert.True(await ((IRemoteActorRefProvider)((ExtendedActorSystem)one).Provider).Transport.ManagementCommand(new SetThrottle(two, ThrottleTransportAdapter.Direction.Both, mode)));
    }
}

/// <summary>
/// A node that becomes unreachable fails the events waiting on it at once with 503 <c>owner_unreachable</c>, whether
/// the caller knew the shard's home from earlier answers or learned it from the first contact's receipt, while events
/// running on live nodes go on and answer.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class RemoteFailoverTests(PartitionableCluster cluster, ITestOutputHelper output) : IClassFixture<PartitionableCluster>
{
    private RemoteNode One => cluster.Nodes[0];

    private RemoteNode Two => cluster.Nodes[1];

    [Fact]
    public async Task Events_waiting_on_a_node_that_becomes_unreachable_fail_at_once_as_owner_unreachable_and_events_on_live_nodes_answer()
    {
        var twoAddress = global::Akka.Cluster.Cluster.Get(Two.Objects.System).SelfAddress;
        // Homes node 1 knows from answers: an object on node 2 it asked before, and one on its own node.
        var known = await FindAsync("known", Two, from: One, fresh: false);
        var local = await FindAsync("local", One, from: One, fresh: false);
        // And an object on node 2 in a shard node 1 never heard from (placed by a request from node 2 itself).
        var fresh = await FindAsync("fresh", Two, from: Two, fresh: true);
        Assert.Equal(twoAddress, One.Objects.Remote.HomeOf(One.IdFromName("remote", known)));
        Assert.Null(One.Objects.Remote.HomeOf(One.IdFromName("remote", fresh)));

        var receiptsBefore = One.Objects.Remote.ReceiptsAsked;
        var failedBefore = One.Objects.Remote.FailedUnreachable;
        var runningOnTwo = Two.Probe.WhenCount("remote.blocked", Two.Probe.Count("remote.blocked") + 2);
        var runningOnOne = One.Probe.WhenCount("remote.blocked", One.Probe.Count("remote.blocked") + 1);
        var calls = new[] { known, fresh, local }.Select(name => One.SendAsync("remote", name, HttpMethod.Get, "/block")).ToList();
        try
        {
            await runningOnTwo.WaitAsync(TimeSpan.FromSeconds(30));
            await runningOnOne.WaitAsync(TimeSpan.FromSeconds(30));
            // The first contact asked for a receipt, and the receipt told node 1 where the event went before any answer.
            Assert.Equal(1, One.Objects.Remote.ReceiptsAsked - receiptsBefore);
            Assert.True(SpinWait.SpinUntil(() => One.Objects.Remote.HomeOf(One.IdFromName("remote", fresh)) is not null, TimeSpan.FromSeconds(10)));
            Assert.Equal(twoAddress, One.Objects.Remote.HomeOf(One.IdFromName("remote", fresh)));

            var watch = Stopwatch.StartNew();
            await cluster.CutAsync(true);
            var failures = new List<OwnerUnreachableException>();
            foreach (var call in calls.Take(2)) failures.Add(await Assert.ThrowsAsync<OwnerUnreachableException>(() => call));
            output.WriteLine($"both events on node 2 failed {watch.Elapsed.TotalSeconds:F1} s after the cut (event deadline {cluster.EventDeadline.TotalSeconds} s)");

            Assert.All(failures, f =>
            {
                Assert.Equal("owner_unreachable", f.Code);
                Assert.True(f.IsRetryable);
                Assert.Equal(twoAddress.ToString(), f.Node);
                Assert.Contains("the outcome is unknown", f.Message);
            });
            Assert.Equal(2, One.Objects.Remote.FailedUnreachable - failedBefore);
            // The event running on node 1 is untouched and answers once its object finishes.
            Assert.False(calls[2].IsCompleted);
            One.Probe.Open("remote.block");
            using var answer = await calls[2].WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("unblocked", await answer.Content.ReadAsStringAsync());
        }
        finally
        {
            One.Probe.Open("remote.block");
            Two.Probe.Open("remote.block");
            await cluster.CutAsync(false);
        }
        Assert.True(SpinWait.SpinUntil(() => One.Objects.Remote.WaitingCount == 0 && One.Runtime.InFlight == 0, TimeSpan.FromSeconds(10)),
            $"node 1: {One.Objects.Remote.WaitingCount} registrations, {One.Runtime.InFlight} events in flight");
    }

    /// <summary>
    /// The name of a "remote" object (prefix + number) that sharding placed on <paramref name="node"/>, asked from
    /// <paramref name="from"/>; with <paramref name="fresh"/>, one whose shard node 1 knows no home for.
    /// </summary>
    private async Task<string> FindAsync(string prefix, RemoteNode node, RemoteNode from, bool fresh)
    {
        for (var i = 0; i < 200; i++)
        {
            var name = $"{prefix}-{i}";
            if (fresh && One.Objects.Remote.HomeOf(One.IdFromName("remote", name)) is not null) continue;
            if (await from.SendForStringAsync("remote", name, HttpMethod.Get, "/where") == node.Name) return name;
        }
        throw new InvalidOperationException($"None of 200 '{prefix}' objects was placed on {node.Name}.");
    }
}
