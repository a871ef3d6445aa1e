using BenchmarkDotNet.Attributes;

namespace Durable.Benchmarks;

/// <summary>
/// Stub FetchAsync throughput: <see cref="Callers"/> concurrent callers, each sending its calls one after another, to
/// one object or spread over 10,000 objects. Reported per call (OperationsPerInvoke), so calls/s = 1e9 / Mean(ns).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class StubFetchBenchmarks
{
    private const int CallsPerInvoke = 200_000;
    private const int ObjectCount = 10_000;

    private BenchRuntime _runtime = null!;
    private DurableObjectStub _one = null!;
    private DurableObjectStub[] _many = null!;

    [Params(256)]
    public int Callers { get; set; }

    [GlobalSetup]
    public async Task SetUp()
    {
        _runtime = await BenchRuntime.StartAsync();
        _one = _runtime.Ping.GetByName("one");
        _many = Enumerable.Range(0, ObjectCount).Select(i => _runtime.Ping.GetByName($"o{i}")).ToArray();
        await Task.WhenAll(_many.Select(s => s.FetchAsync(new HttpRequestMessage(HttpMethod.Get, "/"))));
        await _one.FetchAsync(new HttpRequestMessage(HttpMethod.Get, "/"));
    }

    [GlobalCleanup]
    public async Task CleanUp() => await _runtime.DisposeAsync();

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public Task OneObject() => Run(_ => _one);

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public Task TenThousandObjects() => Run(i => _many[i % ObjectCount]);

    private Task Run(Func<int, DurableObjectStub> pick)
    {
        var perCaller = CallsPerInvoke / Callers;
        return Task.WhenAll(Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                using var response = await pick(c * perCaller + i).FetchAsync(new HttpRequestMessage(HttpMethod.Get, "/"));
            }
        })));
    }
}
