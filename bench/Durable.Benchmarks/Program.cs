using BenchmarkDotNet.Running;
using Durable.Benchmarks;

if (args is ["memory", ..])
{
    await IdleMemory.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100_000);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
