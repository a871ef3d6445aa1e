namespace Durable.Internal;

/// <summary>
/// Every <c>CollectionInterval</c>, fails events past their deadline and passivates objects idle longer than
/// <c>IdleTimeout</c>. One node-wide timer instead of one per object keeps idle activations small; an object is
/// passivated between IdleTimeout and IdleTimeout + CollectionInterval after its last event. (On the Akka engine only
/// deadlines are swept here: sharding passivates idle objects.)
/// </summary>
internal sealed class ActivationCollector(ObjectRuntime runtime)
{
    private readonly Lock _sync = new();
    private ITimer? _timer;
    private Task _outstanding = Task.CompletedTask;

    public void Start()
    {
        var interval = runtime.Options.CollectionInterval;
        _timer = runtime.Time.CreateTimer(static state => ((ActivationCollector)state!).Sweep(), this, interval, interval);
    }

    /// <summary>Completes when the passivations started by sweeps so far have run.</summary>
    public Task WhenSweepsDoneAsync()
    {
        lock (_sync) return _outstanding;
    }

    public void Sweep()
    {
        var now = runtime.Time.GetTimestamp();
        var frequency = runtime.Time.TimestampFrequency;
        var deadlineCutoff = now - (long)(runtime.Options.EventDeadline.TotalSeconds * frequency);
        var idleCutoff = now - (long)(runtime.Options.IdleTimeout.TotalSeconds * frequency);
        runtime.ExpirePending(deadlineCutoff);
        List<Task>? passivations = null;
        foreach (var activation in runtime.Activations)
        {
            activation.ExpireEvents(deadlineCutoff);
            if (activation.LooksIdle(idleCutoff))
                (passivations ??= []).Add(activation.RequestPassivation(idleCutoff));
        }
        if (passivations is null) return;
        lock (_sync) _outstanding = Task.WhenAll([_outstanding, .. passivations]);
    }

    public async Task StopAsync()
    {
        if (_timer is { } timer) await timer.DisposeAsync();
        _timer = null;
    }
}
