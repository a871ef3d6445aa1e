namespace Durable.TestKit;

/// <summary>A count that tests can wait on: <see cref="WhenAtLeast"/> completes once the count reaches a value.</summary>
internal sealed class Tally
{
    private readonly Lock _sync = new();
    private readonly List<(long Count, TaskCompletionSource Done)> _waiters = [];
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Add(long by = 1)
    {
        var value = Interlocked.Add(ref _value, by);
        lock (_sync)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count > value) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    public Task WhenAtLeast(long count)
    {
        lock (_sync)
        {
            if (Value >= count) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }
}
