using System.Collections.Concurrent;
using Npgsql;

namespace Durable.Cluster.Membership;

/// <summary>
/// One pool per connection string for the cluster's own statements (formation and leases), shared by every lease of the
/// process: Akka creates leases by reflection, one per shard, so they find their pool here rather than each opening one.
/// The tables are migrated once per pool, before its first statement.
/// </summary>
internal sealed class AkkaClusterDatabase
{
    private static readonly ConcurrentDictionary<string, AkkaClusterDatabase> Databases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(TimeSpan, TimeSpan, TimeSpan, TimeProvider), LeaseRenewals> _renewals = new();
    private Task? _migration;

    private AkkaClusterDatabase(string connectionString)
    {
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public NpgsqlDataSource DataSource { get; }

    public static AkkaClusterDatabase For(string connectionString) =>
        Databases.GetOrAdd(connectionString, static cs => new AkkaClusterDatabase(cs));

    /// <summary>The renewals of every lease on this database with these timings.</summary>
    public LeaseRenewals Renewals(TimeSpan timeToLive, TimeSpan interval, TimeSpan operationTimeout, TimeProvider time) =>
        _renewals.GetOrAdd((timeToLive, interval, operationTimeout, time), key => new LeaseRenewals(this, key.Item1, key.Item2, key.Item3, key.Item4));

    /// <summary>An open connection on migrated tables.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // A migration that failed (the database was down) is tried again by the next caller; two at once are harmless,
        // the second finds the tables migrated under the same advisory lock.
        var migration = _migration;
        if (migration is null || migration.IsFaulted || migration.IsCanceled)
            _migration = migration = AkkaClusterTables.MigrateAsync(DataSource, CancellationToken.None);
        await migration.WaitAsync(cancellationToken);
        return await DataSource.OpenConnectionAsync(cancellationToken);
    }
}
