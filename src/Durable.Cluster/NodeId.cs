namespace Durable.Cluster;

/// <summary>A cluster member. A node process gets a fresh id each start (unless configured), so a restarted node never
/// inherits leases it held before: they expire and are granted again at a new epoch.</summary>
public readonly record struct NodeId(string Value)
{
    public static NodeId New() => new("n-" + Guid.NewGuid().ToString("n")[..12]);

    public override string ToString() => Value;
}
