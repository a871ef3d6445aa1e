using System.Collections.Concurrent;

namespace Durable.Actors.Tests.Objects;

/// <summary>A test's window into its objects: named gates objects wait on, and counters they bump.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, int> _counters = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _reached = new();
    private readonly List<(string Counter, int Count, TaskCompletionSource Done)> _waiters = [];

    public Task Gate(string name) => _gates.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) => _gates.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public int Bump(string counter)
    {
        var value = _counters.AddOrUpdate(counter, 1, (_, v) => v + 1);
        Reached(counter).TrySetResult();
        lock (_waiters)
            foreach (var waiter in _waiters.Where(w => w.Counter == counter && w.Count <= value))
                waiter.Done.TrySetResult();
        return value;
    }

    public int Count(string counter) => _counters.GetValueOrDefault(counter);

    /// <summary>Completes once <paramref name="counter"/> was bumped at least once.</summary>
    public Task WhenBumped(string counter) => Reached(counter).Task;

    /// <summary>Completes once <paramref name="counter"/> reached <paramref name="count"/>.</summary>
    public Task WhenCount(string counter, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (Count(counter) >= count) return Task.CompletedTask;
            _waiters.Add((counter, count, done));
        }
        return done.Task;
    }

    private TaskCompletionSource Reached(string counter) =>
        _reached.GetOrAdd(counter, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
