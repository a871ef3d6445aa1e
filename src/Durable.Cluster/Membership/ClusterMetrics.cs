using System.Diagnostics.Metrics;
using Durable.Internal;
using Microsoft.Extensions.Hosting;

namespace Durable.Cluster.Membership;

/// <summary>
/// The cluster's instruments on the "Durable" meter: members by status, shards and objects hosted here and the shards
/// that started here or were handed off from here (counted every second: it asks every region), and the process's lease
/// acquisitions, renewals and losses.
/// </summary>
internal sealed class ClusterMetrics(IMeterFactory meterFactory, ClusterView view, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(1);

    // A shard stopping its objects for a handoff answers no query: its region waits akka.cluster.sharding's
    // shard-region-query-timeout for it (hocon/durable.conf), then answers without it.
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meterFactory.Create(DurableMetrics.MeterName);
        meter.CreateObservableGauge("durable.cluster.members", () => view.MembersByStatus()
            .Select(m => new Measurement<int>(m.Value, new KeyValuePair<string, object?>("status", m.Key))), "{node}", "Cluster members by status, as this node sees them");
        meter.CreateObservableGauge("durable.cluster.shards", () => view.ShardsHere, "{shard}", "Shards hosted on this node");
        meter.CreateObservableGauge("durable.cluster.entities", () => view.EntitiesHere, "{object}", "Objects running in this node's shards");
        meter.CreateObservableCounter("durable.cluster.shards.started", () => view.Moves.Started, "{shard}",
            "Shards started on this node: placed here first, or taken over by a handoff or after their node failed");
        meter.CreateObservableCounter("durable.cluster.shards.handed_off", () => view.Moves.HandedOff, "{shard}",
            "Shards that left this node: handed off to another (a rebalance, or this node leaving), or stopped at a lease loss");
        meter.CreateObservableCounter("durable.cluster.lease.acquisitions", () => LeaseStatistics.Acquisitions, "{lease}", "Leases acquired (shards and the split brain resolver)");
        meter.CreateObservableCounter("durable.cluster.lease.renewals", () => LeaseStatistics.Renewals, "{lease}", "Lease renewals stored");
        meter.CreateObservableCounter("durable.cluster.lease.losses", () => LeaseStatistics.Losses, "{lease}", "Leases lost (renewal refused or failed, or past the local deadline)");
        using var timer = new PeriodicTimer(CountEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await view.CountShardsHereAsync(CountTimeout, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The engine is starting or stopping; the next count tells.
            }
        }
    }
}
