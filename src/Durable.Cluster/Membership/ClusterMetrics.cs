using System.Diagnostics.Metrics;
using Durable.Internal;
using Microsoft.Extensions.Hosting;

namespace Durable.Cluster.Membership;

/// <summary>
/// The cluster's instruments on the "Durable" meter: members by status, shards hosted here (counted every few seconds:
/// it asks every region), and the process's lease acquisitions, renewals and losses.
/// </summary>
internal sealed class ClusterMetrics(IMeterFactory meterFactory, ClusterView view, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meterFactory.Create(DurableMetrics.MeterName);
        meter.CreateObservableGauge("durable.cluster.members", () => view.MembersByStatus()
            .Select(m => new Measurement<int>(m.Value, new KeyValuePair<string, object?>("status", m.Key))), "{node}", "Cluster members by status, as this node sees them");
        meter.CreateObservableGauge("durable.cluster.shards", () => view.ShardsHere, "{shard}", "Shards hosted on this node");
        meter.CreateObservableCounter("durable.cluster.lease.acquisitions", () => LeaseStatistics.Acquisitions, "{lease}", "Leases acquired (shards and the split brain resolver)");
        meter.CreateObservableCounter("durable.cluster.lease.renewals", () => LeaseStatistics.Renewals, "{lease}", "Lease renewals stored");
        meter.CreateObservableCounter("durable.cluster.lease.losses", () => LeaseStatistics.Losses, "{lease}", "Leases lost (renewal refused or failed, or past the local deadline)");
        using var timer = new PeriodicTimer(CountEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await view.CountShardsHereAsync(CountEvery, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The engine is starting or stopping; the next count tells.
            }
        }
    }
}
