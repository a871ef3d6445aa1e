using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Durable.Cluster.Membership;

/// <summary>
/// Renews every tenure the process holds on one database, with one timing, in one statement per heartbeat interval. A
/// tenure the statement did not renew (its row was taken or has expired) is lost; when the statement fails, every tenure
/// in it is lost: the holder cannot know whether it still owns the rows.
/// </summary>
internal sealed class LeaseRenewals
{
    private readonly AkkaClusterDatabase _database;
    private readonly TimeSpan _timeToLive;
    private readonly TimeSpan _operationTimeout;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Tenure, byte> _held = new(ReferenceEqualityComparer.Instance);
    private readonly ITimer _timer;
    private int _running;

    public LeaseRenewals(AkkaClusterDatabase database, TimeSpan timeToLive, TimeSpan interval, TimeSpan operationTimeout, TimeProvider time)
    {
        _database = database;
        _timeToLive = timeToLive;
        _operationTimeout = operationTimeout;
        _time = time;
        _timer = time.CreateTimer(_ => _ = RenewAsync(), null, interval, interval);
    }

    public void Add(Tenure tenure) => _held[tenure] = 0;

    public void Remove(Tenure tenure) => _held.TryRemove(tenure, out _);

    private async Task RenewAsync()
    {
        // A renewal slower than the interval is not overlapped by the next; the tenures' deadlines cover the gap.
        if (Interlocked.Exchange(ref _running, 1) == 1) return;
        try
        {
            var batch = _held.Keys.Where(t => !t.Lease.RenewalsPaused).ToArray();
            if (batch.Length == 0) return;
            var sent = _time.GetUtcNow();
            HashSet<(string, string)> renewed;
            try
            {
                renewed = await RenewAsync(batch);
            }
            catch (Exception e)
            {
                foreach (var tenure in batch) tenure.Lease.Lost(tenure, e);
                return;
            }
            foreach (var tenure in batch)
            {
                if (renewed.Contains((tenure.Lease.Settings.LeaseName, tenure.Lease.Settings.OwnerName))) tenure.Lease.Renewed(tenure, sent);
                else tenure.Lease.Lost(tenure, new Akka.Coordination.LeaseException(
                    $"The lease {tenure.Lease.Settings.LeaseName} of {tenure.Lease.Settings.OwnerName} (epoch {tenure.Epoch}) was " +
                    "not renewed: another owner took it or it expired in the database."));
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<HashSet<(string, string)>> RenewAsync(Tenure[] batch)
    {
        using var timeout = new CancellationTokenSource(_operationTimeout);
        await using var connection = await _database.OpenAsync(timeout.Token);
        await using var command = new NpgsqlCommand("""
            UPDATE durable_akka_leases AS l SET expires_at = now() + $1
            FROM unnest($2, $3, $4) AS h(name, owner, epoch)
            WHERE l.name = h.name AND l.owner = h.owner AND l.epoch = h.epoch AND l.expires_at > now()
            RETURNING l.name, l.owner
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _timeToLive });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(t => t.Lease.Settings.LeaseName)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(t => t.Lease.Settings.OwnerName)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Select(t => t.Epoch)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        var renewed = new HashSet<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(timeout.Token);
        while (await reader.ReadAsync(timeout.Token)) renewed.Add((reader.GetString(0), reader.GetString(1)));
        return renewed;
    }
}
