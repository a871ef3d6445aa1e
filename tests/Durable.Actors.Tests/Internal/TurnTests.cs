using Durable.Hosting;
using Durable.Actors.Tests.Objects;

namespace Durable.Actors.Tests.Internal;

public class TurnTests
{
    [Fact]
    public async Task Thousand_concurrent_increments_through_stubs_give_exactly_a_thousand_distinct_values()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("counter", "hot");

        var calls = Enumerable.Range(0, 1000)
            .Select(_ => Task.Run(() => stub.FetchAsync(Kit.Post("/increment")).TextAsync()))
            .ToArray();
        var seen = (await Task.WhenAll(calls).Within("1,000 increments")).Select(long.Parse).ToArray();

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), seen.Order());
        Assert.Equal("1000", await stub.FetchAsync(Kit.Get("/")).TextAsync());
        Assert.Equal(1000L, await kit.ReadDurableAsync<long>(stub.Id, "n"));
    }

    [Fact]
    public async Task No_two_threads_ever_run_inside_one_object_under_parallel_load()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("detector", "one");

        // Many threads call at once; each call interleaves with others at its awaits.
        var calls = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++) await stub.FetchAsync(Kit.Get("/")).TextAsync();
        }));
        await Task.WhenAll(calls).Within("3,200 detector calls", 60);

        Assert.Equal(0, kit.Probe().Count("detector.overlap"));
    }

    [Fact]
    public async Task Callbacks_posted_to_an_object_run_in_the_order_they_were_posted()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("postorder", "fifo");

        for (var round = 0; round < 3; round++)
            Assert.Equal("0,1,2,3,4,9,5", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task The_detector_reports_two_threads_inside_at_once()
    {
        // Guards the test above: the detector it relies on must be able to fail.
        var overlaps = 0;
        var detector = new OverlapDetector(() => Interlocked.Increment(ref overlaps));
        using var firstInside = new ManualResetEventSlim();
        using var secondDone = new ManualResetEventSlim();

        var first = Task.Factory.StartNew(() =>
        {
            detector.Enter();
            firstInside.Set();
            secondDone.Wait();
            detector.Exit();
        }, TaskCreationOptions.LongRunning);
        var second = Task.Factory.StartNew(() =>
        {
            firstInside.Wait();
            detector.Enter();
            detector.Exit();
            secondDone.Set();
        }, TaskCreationOptions.LongRunning);
        await Task.WhenAll(first, second).Within("both threads");

        Assert.Equal(1, overlaps);
    }

    [Fact]
    public async Task Writes_made_in_one_turn_commit_as_one_journal_event()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("storage", "coalesce");

        await stub.FetchAsync(Kit.Post("/three-puts")).TextAsync();

        var journal = await kit.ReadJournalAsync(stub.Id);
        Assert.Single(journal);
        Assert.Equal(["a", "b", "c"], journal[0].Batch.Writes.Keys.Order());
    }

    [Fact]
    public async Task Storage_used_outside_the_turn_is_refused()
    {
        await using var kit = await Kit.StartAsync();

        var error = await Assert.ThrowsAsync<DurableObjectException>(() => kit.Stub("storage", "misuse").FetchAsync(Kit.Get("/outside-turn")));

        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Contains("outside the object's turn", error.Message);
    }

    [Fact]
    public async Task A_transaction_that_throws_leaves_no_write_behind()
    {
        await using var kit = await Kit.StartAsync();
        var stub = kit.Stub("storage", "tx");

        Assert.Equal("kept=1 dropped=none", await stub.FetchAsync(Kit.Post("/transaction-rollback")).TextAsync());
        Assert.Equal(1, await kit.ReadDurableAsync<int>(stub.Id, "kept"));
        Assert.Equal(["kept"], await kit.ReadDurableKeysAsync(stub.Id));
    }

    [Fact]
    public async Task Object_calling_another_that_calls_it_back_does_not_deadlock()
    {
        await using var kit = await Kit.StartAsync();

        var reply = await kit.Stub("pingpong", "alice")
            .FetchAsync(new HttpRequestMessage(HttpMethod.Post, "/call") { Content = new StringContent("bob") })
            .TextAsync().Within("alice -> bob -> alice");

        Assert.Equal("alice got [bob heard alice]", reply);
    }
}
