using BenchmarkDotNet.Running;
using Durable.Benchmarks;

if (args is ["memory", ..])
{
    await IdleMemory.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100_000);
    return;
}
if (args is ["alarms", .. var alarmArgs])
{
    await AlarmBenchmark.RunAsync(alarmArgs);
    return;
}

// A type of this assembly, not Program: Durable.Web (referenced, internals visible) has a top-level Program too.
BenchmarkSwitcher.FromAssembly(typeof(IdleMemory).Assembly).Run(args);
