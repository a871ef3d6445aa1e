using BenchmarkDotNet.Attributes;

namespace Durable.Benchmarks;

/// <summary>
/// Cost of activating a new object: first fetch to a never-seen id (directory insert, state load from the in-memory
/// store, construction, the fetch itself), many in parallel. Per activation.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8, invocationCount: 1)]
public class ActivationBenchmarks
{
    private const int Activations = 20_000;
    private BenchRuntime _runtime = null!;
    private DurableObjectId[] _ids = null!;

    [GlobalSetup]
    public async Task SetUp() => _runtime = await BenchRuntime.StartAsync();

    [IterationSetup]
    public void MakeIds() => _ids = Enumerable.Range(0, Activations).Select(_ => _runtime.Ping.NewUniqueId()).ToArray();

    [GlobalCleanup]
    public async Task CleanUp() => await _runtime.DisposeAsync();

    [Benchmark(OperationsPerInvoke = Activations)]
    public Task ActivateNewObjects()
    {
        var ids = _ids;
        var workers = Environment.ProcessorCount * 64;
        var per = Activations / workers;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = w * per; i < (w + 1) * per; i++)
            {
                using var response = await _runtime.Ping.Get(ids[i]).FetchAsync(new HttpRequestMessage(HttpMethod.Get, "/"));
            }
        })));
    }
}
