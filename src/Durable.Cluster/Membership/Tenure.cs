namespace Durable.Cluster.Membership;

/// <summary>One holding of a <see cref="PostgresLease"/> (its epoch) and the local deadline that ends it unless renewed.
/// Mutated only under the lease's lock.</summary>
internal sealed class Tenure(long epoch, PostgresLease lease)
{
    private ITimer? _deadlineTimer;

    public long Epoch { get; } = epoch;

    public PostgresLease Lease { get; } = lease;

    public DateTimeOffset Deadline { get; private set; }

    public void Start(DateTimeOffset deadline, TimeProvider time)
    {
        Deadline = deadline;
        _deadlineTimer = time.CreateTimer(_ => Lease.DeadlinePassed(this), null, Until(deadline, time), Timeout.InfiniteTimeSpan);
    }

    public void Extend(DateTimeOffset deadline, TimeProvider time)
    {
        if (deadline <= Deadline) return;
        Deadline = deadline;
        _deadlineTimer?.Change(Until(deadline, time), Timeout.InfiniteTimeSpan);
    }

    public void Stop()
    {
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
    }

    private static TimeSpan Until(DateTimeOffset deadline, TimeProvider time)
    {
        var left = deadline - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
