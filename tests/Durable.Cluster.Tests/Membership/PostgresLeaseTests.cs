using System.Text.Json;
using Akka.Configuration;
using Akka.Coordination;
using Durable.Cluster.Membership;
using Npgsql;

namespace Durable.Cluster.Tests.Membership;

/// <summary>The PostgreSQL lease on a real PostgreSQL: one owner at a time, takeover only after expiry by the database's
/// clock, an epoch per tenure, and the holder told of a loss (refused or failed renewal, its own deadline passed) before
/// another owner can take the lease. Leases live 2 s, renewed every 250 ms, with a 1 s safety margin.</summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);
    private readonly TestSchema _schema = new();

    public Task InitializeAsync() => _schema.InitializeAsync();

    public Task DisposeAsync() => _schema.DisposeAsync();

    private PostgresLease Lease(string owner, TimeSpan? ttl = null)
    {
        var config = ConfigurationFactory.ParseString(
            $"connection-string = {JsonSerializer.Serialize(_schema.ConnectionString)}\nsafety-margin = {Margin.TotalMilliseconds}ms");
        var settings = new LeaseSettings("shard-1", owner, new TimeoutSettings(TimeSpan.FromMilliseconds(250), ttl ?? Ttl, TimeSpan.FromSeconds(5)), config);
        return new PostgresLease(settings, TimeProvider.System);
    }

    private static (Action<Exception> Callback, Task<Exception> Lost) LostSignal()
    {
        var lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (e => lost.TrySetResult(e), lost.Task);
    }

    [Fact]
    public async Task Two_owners_contend_and_only_one_holds_the_lease()
    {
        var a = Lease("node-a");
        var b = Lease("node-b");
        var results = await Task.WhenAll(a.Acquire(), b.Acquire());
        Assert.Single(results, r => r);
        var (holder, other) = results[0] ? (a, b) : (b, a);
        Assert.True(holder.CheckLease());
        Assert.False(other.CheckLease());
        Assert.False(await other.Acquire());
        Assert.Equal(1, await _schema.ScalarAsync<long>("SELECT epoch FROM durable_akka_leases WHERE name = 'shard-1'"));

        // Renewals keep it held past its time to live (by the database's clock); the other still cannot take it.
        var acquired = await _schema.ScalarAsync<DateTime>("SELECT now()");
        await WaitUntilAsync(async () => await _schema.ScalarAsync<DateTime>("SELECT now()") > acquired + Ttl * 1.5, "past one time to live");
        Assert.False(await other.Acquire());
        Assert.True(holder.CheckLease());
    }

    [Fact]
    public async Task A_released_lease_is_taken_at_once_with_the_next_epoch()
    {
        var a = Lease("node-a");
        var b = Lease("node-b");
        Assert.True(await a.Acquire());
        Assert.Equal(1, a.Epoch);
        Assert.True(await a.Release());
        Assert.False(a.CheckLease());
        Assert.True(await b.Acquire());
        Assert.Equal(2, b.Epoch);
        Assert.True(await b.Release());
        Assert.True(await a.Acquire());
        Assert.Equal(3, a.Epoch);
    }

    [Fact]
    public async Task A_paused_owner_learns_of_the_loss_before_another_owner_can_take_the_lease()
    {
        var a = Lease("node-a");
        var b = Lease("node-b");
        var (callback, lost) = LostSignal();
        Assert.True(await a.Acquire(callback));
        a.RenewalsPaused = true;

        var reason = await lost.WaitAsync(Ttl * 5);
        Assert.IsType<LeaseTimeoutException>(reason);
        Assert.False(a.CheckLease());
        // The row has not expired by the database's clock yet: nobody can take it in the safety margin.
        Assert.False(await b.Acquire());
        Assert.True(await _schema.ScalarAsync<bool>("SELECT expires_at > now() FROM durable_akka_leases WHERE name = 'shard-1'"));

        // After the database's expiry the other owner takes it, in a new epoch.
        await WaitUntilAsync(() => b.Acquire(), "takeover after expiry");
        Assert.Equal(2, b.Epoch);
    }

    [Fact]
    public async Task A_renewal_refused_because_the_row_was_taken_tells_the_holder()
    {
        var a = Lease("node-a", TimeSpan.FromSeconds(30));
        var (callback, lost) = LostSignal();
        Assert.True(await a.Acquire(callback));
        await _schema.ExecuteAsync("UPDATE durable_akka_leases SET owner = 'thief', epoch = epoch + 1 WHERE name = 'shard-1'");

        var reason = await lost.WaitAsync(Ttl * 5);
        Assert.IsType<LeaseException>(reason);
        Assert.Contains("not renewed", reason.Message);
        Assert.False(a.CheckLease());
        Assert.Equal("thief", await _schema.ScalarAsync<string>("SELECT owner FROM durable_akka_leases WHERE name = 'shard-1'"));
    }

    [Fact]
    public async Task A_renewal_that_fails_tells_the_holder()
    {
        // A long time to live: the failed renewal, not the local deadline, must be what ends the tenure.
        var a = Lease("node-a", TimeSpan.FromSeconds(30));
        var (callback, lost) = LostSignal();
        Assert.True(await a.Acquire(callback));
        // Every renewal statement now fails, as when the holder's database is unreachable.
        await _schema.ExecuteAsync("ALTER TABLE durable_akka_leases RENAME TO durable_akka_leases_away");
        try
        {
            var reason = await lost.WaitAsync(Ttl * 5);
            Assert.IsType<PostgresException>(reason);
            Assert.False(a.CheckLease());
        }
        finally
        {
            await _schema.ExecuteAsync("ALTER TABLE durable_akka_leases_away RENAME TO durable_akka_leases");
        }
    }

    [Fact]
    public async Task The_same_owner_reacquiring_its_unexpired_lease_keeps_the_epoch_and_a_new_tenure_after_expiry_does_not()
    {
        var a = Lease("node-a");
        Assert.True(await a.Acquire());
        a.RenewalsPaused = true;
        // A second instance with the same owner (a restarted node at the same address) finds it still its own.
        var again = Lease("node-a");
        Assert.True(await again.Acquire());
        Assert.Equal(1, again.Epoch);
        again.RenewalsPaused = true;
        await WaitUntilAsync(async () => await _schema.ScalarAsync<bool>("SELECT expires_at <= now() FROM durable_akka_leases"), "expiry");
        var third = Lease("node-a");
        Assert.True(await third.Acquire());
        Assert.Equal(2, third.Epoch);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string phase)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The lease test's phase '{phase}' did not complete within 15 s.");
            await Task.Delay(50);
        }
    }
}
