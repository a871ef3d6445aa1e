using Durable.Internal;
using Durable.Storage;

namespace Durable;

/// <summary>What the runtime gives one object: its identity, its storage and control over its concurrency.</summary>
public sealed class DurableObjectState
{
    private readonly Activation _activation;

    internal DurableObjectState(Activation activation, DurableObjectStorage storage)
    {
        _activation = activation;
        Storage = storage;
    }

    public DurableObjectId Id => _activation.Id;

    /// <summary>The name the object is addressed by, when it was reached through a name.</summary>
    public string? Name => _activation.Name;

    public DurableObjectStorage Storage { get; }

    /// <summary>
    /// Runs <paramref name="callback"/> while no other event may start (events already running continue at their
    /// awaits). If it throws or runs past the limit (default 30 s), the object is reset.
    /// </summary>
    public Task<T> BlockConcurrencyWhileAsync<T>(Func<Task<T>> callback) => _activation.BlockConcurrencyWhileAsync(callback);

    public Task BlockConcurrencyWhileAsync(Func<Task> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return _activation.BlockConcurrencyWhileAsync(async () =>
        {
            await callback();
            return true;
        });
    }

    /// <summary>Keeps the object from being passivated until <paramref name="task"/> completes; failures are logged.</summary>
    public void WaitUntil(Task task) => _activation.WaitUntil(task);
}
