using BenchmarkDotNet.Running;

if (args is ["storage", .. var rest])
{
    await Durable.Benchmarks.StorageBenchmark.RunAsync(rest);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
