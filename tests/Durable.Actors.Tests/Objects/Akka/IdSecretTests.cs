using Durable.Actors.Tests.Persistence.Conformance;
using Durable.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Objects.Akka;

/// <summary>Without a configured secret, the Akka engine keeps the id secret in the objects' journal.</summary>
public class IdSecretTests
{
    [Fact]
    public async Task Without_a_configured_secret_ids_survive_a_restart_on_the_same_journal()
    {
        await using var files = new AkkaKit();
        string before;
        await using (var first = await files.StartAsync()) before = first.IdFromName("counter", "n").ToString();
        await using var second = await files.StartAsync();

        Assert.Equal(before, second.IdFromName("counter", "n").ToString());
        Assert.Equal("1", await second.Stub("counter", "n").FetchAsync(Kit.Post("/increment")).TextAsync());
    }

    [Fact]
    public async Task Nodes_starting_together_on_one_postgres_journal_agree_on_the_secret_and_another_journal_has_its_own()
    {
        var shared = new FreshPostgresSchema("durable_ids_");
        var other = new FreshPostgresSchema("durable_ids_");
        await shared.CreateAsync();
        await other.CreateAsync();
        var nodes = new List<DurableTestRuntime>();
        try
        {
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartAsync(shared.ConnectionString))));
            nodes.Add(await StartAsync(other.ConnectionString));

            var ids = nodes.Select(n => n.IdFromName("counter", "n").ToString()).ToList();
            Assert.Single(ids.Take(3).Distinct());
            Assert.NotEqual(ids[0], ids[3]);
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
            await shared.DropAsync();
            await other.DropAsync();
        }
    }

    private static Task<DurableTestRuntime> StartAsync(string connectionString) =>
        DurableTestRuntime.StartAsync(TestNamespaces.AddAll, ObjectJournal.Postgres(_ => connectionString), TestNamespaces.AddProbe);
}
