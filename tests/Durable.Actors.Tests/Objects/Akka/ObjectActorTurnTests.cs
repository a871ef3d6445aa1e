namespace Durable.Actors.Tests.Objects.Akka;

public class ObjectActorTurnTests
{
    [Fact]
    public async Task Thousand_concurrent_increments_through_stubs_give_exactly_a_thousand_distinct_values()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("counter", "hot");

        var calls = Enumerable.Range(0, 1000)
            .Select(_ => Task.Run(() => stub.FetchAsync(Kit.Post("/increment")).TextAsync()))
            .ToArray();
        var seen = (await Task.WhenAll(calls).Within("1,000 increments")).Select(long.Parse).ToArray();

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), seen.Order());
        Assert.Equal("1000", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Increments_survive_a_restart_of_the_node()
    {
        await using var files = new AkkaKit();
        await using (var first = await files.StartAsync())
        {
            for (var i = 0; i < 5; i++) await first.Stub("counter", "kept").FetchAsync(Kit.Post("/increment")).TextAsync();
        }
        await using var second = await files.StartAsync();

        Assert.Equal("6", await second.Stub("counter", "kept").FetchAsync(Kit.Post("/increment")).TextAsync());
    }

    [Fact]
    public async Task No_two_threads_ever_run_inside_one_object_under_parallel_load()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("detector", "one");

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
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("postorder", "fifo");

        for (var round = 0; round < 3; round++)
            Assert.Equal("0,1,2,3,4,9,5", await stub.FetchAsync(Kit.Get("/")).TextAsync());
    }

    [Fact]
    public async Task Storage_used_outside_the_turn_is_refused()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();

        var error = await Assert.ThrowsAsync<DurableObjectException>(() => kit.Stub("storage", "misuse").FetchAsync(Kit.Get("/outside-turn")));

        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Contains("outside the object's turn", error.Message);
    }

    [Fact]
    public async Task A_transaction_that_throws_leaves_no_write_behind()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();
        var stub = kit.Stub("storage", "tx");

        Assert.Equal("kept=1 dropped=none", await stub.FetchAsync(Kit.Post("/transaction-rollback")).TextAsync());
    }

    [Fact]
    public async Task Object_calling_another_that_calls_it_back_does_not_deadlock()
    {
        await using var files = new AkkaKit();
        await using var kit = await files.StartAsync();

        var reply = await kit.Stub("pingpong", "alice")
            .FetchAsync(new HttpRequestMessage(HttpMethod.Post, "/call") { Content = new StringContent("bob") })
            .TextAsync().Within("alice -> bob -> alice");

        Assert.Equal("alice got [bob heard alice]", reply);
    }
}
