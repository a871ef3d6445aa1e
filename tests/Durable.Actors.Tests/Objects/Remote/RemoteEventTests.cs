using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Durable.Actors.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>
/// Fetches and alarms reaching objects that sharding placed on the other node of a two-node cluster (static seeds,
/// PostgreSQL journal): answers, errors, bodies and alarms are what they would be on the object's own node. Every test
/// checks that its events really crossed (where the object runs, and the nodes' remote counters).
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class RemoteEventTests(RemoteCluster cluster) : IClassFixture<RemoteCluster>
{
    private RemoteNode One => cluster.Nodes[0];

    private RemoteNode Two => cluster.Nodes[1];

    [Fact]
    public async Task Increments_from_one_node_reach_counters_on_both_nodes_in_order_with_one_live_actor_each()
    {
        var sentBefore = One.Objects.Remote.Sent;
        var adoptedBefore = Two.Objects.Remote.Adopted;
        var names = Enumerable.Range(0, 100).Select(i => $"counter-{i}").ToList();

        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (name, _) =>
        {
            for (var expected = 1; expected <= 3; expected++)
                Assert.Equal(expected.ToString(), await One.SendForStringAsync("counter", name, HttpMethod.Post, "/increment"));
        });

        var onTwo = 0;
        foreach (var name in names)
        {
            var id = One.IdFromName("counter", name);
            Assert.Equal(1, cluster.Nodes.Count(n => n.Objects.IsLive(id)));
            if (Two.Objects.IsLive(id)) onTwo++;
        }
        // Sharding spread the counters' shards over both nodes, and every event for node 2 crossed through the serializer.
        Assert.InRange(onTwo, 25, 75);
        Assert.True(One.Objects.Remote.Sent - sentBefore >= 3 * onTwo, $"node 1 wrote {One.Objects.Remote.Sent - sentBefore} events for {onTwo} remote counters");
        Assert.Equal(3 * onTwo, Two.Objects.Remote.Adopted - adoptedBefore);
        AssertSettled();
    }

    [Fact]
    public async Task An_object_that_throws_fails_the_same_across_nodes_as_on_its_own_node()
    {
        var local = await FindAsync("thrower", One);
        var remote = await FindAsync("thrower", Two);

        var here = await Assert.ThrowsAsync<DurableObjectException>(() => One.SendAsync("remote", local, HttpMethod.Get, "/throw"));
        var there = await Assert.ThrowsAsync<DurableObjectException>(() => One.SendAsync("remote", remote, HttpMethod.Get, "/throw"));

        AssertSameFailure(here, there, local, remote);
        Assert.Equal("object_error", there.Code);
        Assert.Equal("boom from the remote object", there.Message);
        Assert.Equal(One.IdFromName("remote", remote), there.ObjectId);
    }

    [Fact]
    public async Task A_constructor_that_throws_fails_the_same_across_nodes_as_on_its_own_node()
    {
        InstantiationFailedException? here = null, there = null;
        string? local = null, remote = null;
        for (var i = 0; i < 40 && (here is null || there is null); i++)
        {
            var name = $"broken-{i}";
            var builtOnTwo = Two.Probe.Count("unbuildable");
            var error = await Assert.ThrowsAsync<InstantiationFailedException>(() => One.SendAsync("unbuildable", name, HttpMethod.Get, "/"));
            if (Two.Probe.Count("unbuildable") > builtOnTwo) (there, remote) = (there ?? error, remote ?? name);
            else (here, local) = (here ?? error, local ?? name);
        }

        Assert.NotNull(here);
        Assert.NotNull(there);
        AssertSameFailure(here, there, local!, remote!, "unbuildable");
        Assert.Equal("instantiation_failed", there.Code);
        Assert.Contains($"object {One.IdFromName("unbuildable", remote!)} cannot be built", there.Message);
        AssertSettled();
    }

    [Fact]
    public async Task A_fetch_past_its_deadline_fails_the_same_across_nodes_as_on_its_own_node()
    {
        var local = await FindAsync("sleeper", One);
        var remote = await FindAsync("sleeper", Two);
        try
        {
            var calls = new[] { local, remote }.Select(name => Assert.ThrowsAsync<DeadlineExceededException>(
                () => One.SendAsync("remote", name, HttpMethod.Get, "/block"))).ToList();
            var (here, there) = (await calls[0], await calls[1]);

            AssertSameFailure(here, there, local, remote);
            Assert.Equal("deadline_exceeded", there.Code);
        }
        finally
        {
            One.Probe.Open("remote.block");
            Two.Probe.Open("remote.block");
        }
        // Neither side keeps the event once it is over.
        AssertSettled();
    }

    [Theory]
    [InlineData(1 << 20)]
    // The edge's default body limit (Durable:Edge:MaxRequestBodySize).
    [InlineData(16 << 20)]
    public async Task A_request_and_its_response_cross_nodes_whole_with_their_headers(int size)
    {
        var remote = await FindAsync("echo", Two);
        var body = new byte[size];
        new Random(size).NextBytes(body);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-test") { CharSet = "utf-8" };
        content.Headers.ContentLanguage.Add("en");
        var request = new HttpRequestMessage(HttpMethod.Put, "/echo?x=1&y=%20z") { Content = content };
        request.Headers.TryAddWithoutValidation("X-Custom", "a value");
        request.Headers.TryAddWithoutValidation("X-Multi", ["one", "two"]);

        using var response = await One.Services.GetDurableObjectNamespace("remote").GetByName(remote).FetchAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Echoed", response.ReasonPhrase);
        Assert.Equal("node2", Single(response, "x-node"));
        Assert.Equal("PUT", Single(response, "x-method"));
        Assert.Equal("/echo?x=1&y=%20z", Single(response, "x-uri"));
        Assert.Equal("a value", Single(response, "x-echo-X-Custom"));
        Assert.Equal(["one", "two"], response.Headers.GetValues("x-echo-X-Multi"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), Single(response, "x-body-sha256"));
        Assert.Equal("application/x-test; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(["en"], response.Content.Headers.ContentLanguage);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_alarm_whose_book_is_on_one_node_fires_its_object_on_the_other_once()
    {
        // An object whose alarm book sharding placed on the other node: its alarm crosses from the book to the object.
        string? name = null;
        RemoteNode? objectNode = null, bookNode = null;
        for (var i = 0; i < 40 && name is null; i++)
        {
            var candidate = $"alarm-{i}";
            var id = One.IdFromName("alarm", candidate);
            Assert.Equal("set", await One.SendForStringAsync("alarm", candidate, HttpMethod.Post, "/set?3600"));
            var owner = cluster.Nodes.Single(n => n.Objects.IsLive(id));
            var books = cluster.Nodes.Where(n => n.Objects.Books.IsBookHere(id)).ToList();
            Assert.Single(books);
            if (books[0] != owner) (name, objectNode, bookNode) = (candidate, owner, books[0]);
            else Assert.Equal("deleted", await One.SendForStringAsync("alarm", candidate, HttpMethod.Post, "/delete"));
        }
        Assert.NotNull(name);
        var target = One.IdFromName("alarm", name);
        var sentBefore = bookNode!.Objects.Remote.Sent;
        var ran = objectNode!.Probe.WhenBumped("alarm.runs");

        Assert.Equal("set", await One.SendForStringAsync("alarm", name, HttpMethod.Post, "/set?0.5"));
        await ran.WaitAsync(TimeSpan.FromSeconds(30));
        await bookNode.Objects.Books.WhenIdleAsync();

        Assert.Single((await One.SendForStringAsync("alarm", name, HttpMethod.Get, "/attempts")).Split(','));
        Assert.Equal("none", await One.SendForStringAsync("alarm", name, HttpMethod.Get, "/get"));
        Assert.DoesNotContain(await bookNode.Objects.Books.GetAsync(target), e => !e.IsExhausted);
        Assert.Equal(1, objectNode.Probe.Count("alarm.runs"));
        Assert.True(bookNode.Objects.Remote.Sent > sentBefore, "the alarm did not cross from its book's node");
        Assert.True(objectNode.Objects.IsLive(target) && !bookNode.Objects.IsLive(target));
    }

    /// <summary>The name of a "remote" object (prefix + number) that sharding placed on <paramref name="node"/>.</summary>
    private async Task<string> FindAsync(string prefix, RemoteNode node)
    {
        for (var i = 0; i < 40; i++)
        {
            var name = $"{prefix}-{i}";
            if (await One.SendForStringAsync("remote", name, HttpMethod.Get, "/where") == node.Name) return name;
        }
        throw new InvalidOperationException($"None of 40 '{prefix}' objects was placed on {node.Name}.");
    }

    /// <summary>No registration outlives its event, and node 1 counts none in flight (both settle just after the answers).</summary>
    private void AssertSettled() => Assert.True(
        SpinWait.SpinUntil(() => One.Objects.Remote.WaitingCount == 0 && One.Runtime.InFlight == 0, TimeSpan.FromSeconds(10)),
        $"node 1: {One.Objects.Remote.WaitingCount} registrations, {One.Runtime.InFlight} events in flight");

    /// <summary>Same type, code, retryability and message (up to the objects' names and ids): the same edge answer.</summary>
    private void AssertSameFailure(DurableObjectException here, DurableObjectException there, string local, string remote, string @namespace = "remote")
    {
        Assert.Equal(here.GetType(), there.GetType());
        Assert.Equal(here.Code, there.Code);
        Assert.Equal(here.IsRetryable, there.IsRetryable);
        Assert.Equal(Normalize(here.Message, @namespace, local), Normalize(there.Message, @namespace, remote));
    }

    private string Normalize(string message, string @namespace, string name) =>
        message.Replace(One.IdFromName(@namespace, name).ToString(), "{id}").Replace(name, "{name}");

    private static string Single(HttpResponseMessage response, string header) => Assert.Single(response.Headers.GetValues(header));
}
