using System.Diagnostics.Metrics;
using Durable.Internal;

namespace Durable.Web.Observability;

/// <summary>
/// The process and the .NET runtime under the node, on the "Durable" meter, read when <c>/metrics</c> is scraped: what
/// an operator looks at first when requests slow down (collector pauses, a thread pool falling behind, memory).
/// The runtime's own "System.Runtime" meter does not publish to an in-process listener here, so these read the same
/// counters from <see cref="GC"/>, <see cref="ThreadPool"/> and <see cref="Environment"/> directly.
/// </summary>
internal sealed class ProcessMetrics
{
    private static readonly KeyValuePair<string, object?>[] Generations =
        [new("generation", "0"), new("generation", "1"), new("generation", "2")];

    public ProcessMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(DurableMetrics.MeterName);
        meter.CreateObservableGauge("durable.process.memory.resident", static () => Environment.WorkingSet, "By",
            "Resident memory of the node process");
        meter.CreateObservableCounter("durable.process.cpu.time", static () => Environment.CpuUsage.TotalTime.TotalSeconds, "s",
            "CPU time the node process used, user and system");
        meter.CreateObservableCounter("durable.gc.collections", static () => Collections(), "{collection}",
            "Garbage collections, by generation (a collection of generation 2 counts for 0 and 1 too)");
        meter.CreateObservableCounter("durable.gc.pause.time", static () => GC.GetTotalPauseDuration().TotalSeconds, "s",
            "Time the garbage collector held the process's threads paused");
        meter.CreateObservableCounter("durable.gc.allocated", static () => GC.GetTotalAllocatedBytes(), "By",
            "Bytes allocated on the managed heap");
        meter.CreateObservableGauge("durable.gc.heap.size", static () => GC.GetTotalMemory(forceFullCollection: false), "By",
            "Bytes the managed heap holds now, garbage not yet collected included");
        meter.CreateObservableGauge("durable.threadpool.threads", static () => ThreadPool.ThreadCount, "{thread}",
            "Thread-pool threads");
        meter.CreateObservableGauge("durable.threadpool.queue.length", static () => ThreadPool.PendingWorkItemCount, "{item}",
            "Work items queued to the thread pool and not started");
    }

    private static IEnumerable<Measurement<long>> Collections()
    {
        for (var generation = 0; generation < Generations.Length; generation++)
            yield return new Measurement<long>(GC.CollectionCount(generation), Generations[generation]);
    }
}
