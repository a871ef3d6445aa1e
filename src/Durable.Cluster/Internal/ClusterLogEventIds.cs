namespace Durable.Cluster.Internal;

/// <summary>Every log event id of the cluster, in one place (the runtime's are 1000-1999).</summary>
internal static class ClusterLogEventIds
{
    public const int Joined = 2000;
    public const int Left = 2001;
    public const int HeartbeatFailed = 2002;
    public const int ListenFailed = 2003;
    public const int Allocated = 2004;

    public const int LeasesAcquired = 2100;
    public const int LeasesLost = 2101;
    public const int LeasesLapsed = 2102;
    public const int HandoffStarted = 2103;
    public const int HandoffFinished = 2104;
    public const int HandoffFailed = 2105;

    public const int ForwardRetried = 2200;
    public const int ForwardFailed = 2201;
}
