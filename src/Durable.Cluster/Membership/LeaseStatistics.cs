namespace Durable.Cluster.Membership;

/// <summary>Counts of the process's lease operations, read by <see cref="ClusterMetrics"/>. Leases are made by Akka by
/// reflection, out of reach of the host's services, so they count here.</summary>
internal static class LeaseStatistics
{
    private static long _acquisitions;
    private static long _renewals;
    private static long _losses;

    public static long Acquisitions => Interlocked.Read(ref _acquisitions);

    public static long Renewals => Interlocked.Read(ref _renewals);

    public static long Losses => Interlocked.Read(ref _losses);

    public static void Acquired() => Interlocked.Increment(ref _acquisitions);

    public static void Renewed() => Interlocked.Increment(ref _renewals);

    public static void Lost() => Interlocked.Increment(ref _losses);
}
