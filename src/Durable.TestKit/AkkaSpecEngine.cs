using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit;
using Durable.Objects;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.TestKit;

/// <summary>
/// The Akka engine under a spec: Akka's <see cref="TestScheduler"/> in place of the real one (Akka timers fire only when
/// the spec moves time), and optionally Akka.Persistence.TestKit's journal and snapshot store with the kit's
/// <see cref="JournalFaults"/> in them.
/// </summary>
internal sealed class AkkaSpecEngine
{
    private const string SchedulerHocon = """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """;

    private const string TestJournalHocon = """
        akka.persistence.journal.plugin = "akka.persistence.journal.durable-test"
        akka.persistence.journal.durable-test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.durable-test"
        akka.persistence.snapshot-store.durable-test {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    // Real-time bounds on the kit's own round trips into the actor system; they only fail a spec that is stuck.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    private readonly ShardedObjects _objects;
    private readonly TestScheduler _scheduler;

    private AkkaSpecEngine(ShardedObjects objects, JournalFaults? faults)
    {
        _objects = objects;
        _scheduler = objects.System.Scheduler as TestScheduler
            ?? throw new InvalidOperationException($"The actor system runs {objects.System.Scheduler.GetType().Name}, not Akka's TestScheduler.");
        Faults = faults;
    }

    /// <summary>The faults of Akka.Persistence.TestKit's journal; null when the spec runs on another plugin.</summary>
    public JournalFaults? Faults { get; }

    /// <summary>
    /// <paramref name="journal"/> with Akka's TestScheduler; null: Akka.Persistence.TestKit's journal and snapshot
    /// store, whose faults <paramref name="faults"/> returns.
    /// </summary>
    public static ObjectJournal Configure(ObjectJournal? journal, out JournalFaults? faults)
    {
        if (journal is not null)
        {
            faults = null;
            return ObjectJournal.Custom((akka, sp) =>
            {
                journal.Configure(akka, sp);
                akka.AddHocon(SchedulerHocon, HoconAddMode.Prepend);
            }, journal.ReadJournalPluginId);
        }
        faults = NewFaults();
        return ObjectJournal.Custom((akka, _) => akka.AddHocon(SchedulerHocon + "\n" + TestJournalHocon, HoconAddMode.Prepend));
    }

    /// <summary>Faults for Akka.Persistence.TestKit's journal (its rejections are the journal's own exception).</summary>
    public static JournalFaults NewFaults() => new(message => new TestJournalRejectionException(message));

    /// <summary>
    /// Akka.Persistence.TestKit's journal and snapshot store under Akka's real scheduler (a node on real time, e.g. behind
    /// Kestrel); <see cref="AttachFaultsAsync"/> puts faults in them once the host has started.
    /// </summary>
    public static ObjectJournal FaultyJournal() => ObjectJournal.Custom((akka, _) => akka.AddHocon(TestJournalHocon, HoconAddMode.Prepend));

    /// <summary>Routes the test journal's writes and the snapshot store's loads of the started node through <paramref name="faults"/>.</summary>
    public static async Task AttachFaultsAsync(IServiceProvider services, JournalFaults faults)
    {
        var persistence = Akka.Persistence.Persistence.Instance.Apply(services.GetRequiredService<ShardedObjects>().System);
        await TestJournal.FromRef(persistence.JournalFor(null)).OnWrite.SetInterceptorAsync(new WriteInterceptor(faults));
        await TestSnapshotStore.FromRef(persistence.SnapshotStoreFor(null)).OnLoad.SetInterceptorAsync(new LoadInterceptor(faults));
    }

    /// <summary>
    /// Moves Akka's scheduler in small steps until the node is Up and every region has registered with its
    /// coordinator (before that, events would wait in the region for a retry timer), then puts the faults in place.
    /// </summary>
    public static async Task<AkkaSpecEngine> StartAsync(IServiceProvider services, JournalFaults? faults)
    {
        var engine = new AkkaSpecEngine(services.GetRequiredService<ShardedObjects>(), faults);
        for (var step = 0; ; step++)
        {
            if (step == 3000) throw new TimeoutException("The node did not come Up with its shard regions registered within 300 s of Akka time.");
            engine._scheduler.Advance(TimeSpan.FromMilliseconds(100));
            if (engine._objects.IsUp && await engine.RegionsRegisteredAsync()) break;
            await Task.Delay(1);
        }
        if (faults is not null) await AttachFaultsAsync(services, faults);
        return engine;
    }

    private async Task<bool> RegionsRegisteredAsync()
    {
        // The objects' regions and the alarm books' region (an object's first alarm asks its book).
        foreach (var region in _objects.Regions.Values.Append(_objects.Books.Region))
        {
            var current = await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, AskTimeout);
            if (current.Regions.Count == 0) return false;
        }
        return true;
    }

    /// <summary>Moves Akka's scheduler by <paramref name="by"/>, delivering the timers that come due.</summary>
    public void Advance(TimeSpan by) => _scheduler.Advance(by);

    /// <summary>
    /// Waits until the objects have taken what the moved time sent them, and what that set off through their shards:
    /// an object that went idle asks its shard to passivate it, the shard sends it the stop message, the object stops
    /// (or stays, busy). Each hop is a message, so a round trip after it in the same mailbox proves it was handled.
    /// </summary>
    public async Task SettleAsync()
    {
        var actors = _objects.LiveActors.ToList();
        await Task.WhenAll(actors.Select(IdentifyAsync));
        await Task.WhenAll(_objects.Regions.Values.Select(r => r.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout)));
        await Task.WhenAll(actors.Select(IdentifyAsync));
    }

    // Identify is answered by the actor cell in mailbox order (during recovery too); a stopped actor's dead letters
    // answer it as well.
    private static Task IdentifyAsync(IActorRef actor) => actor.Ask<ActorIdentity>(new Identify(null), AskTimeout);

    /// <summary>
    /// Runs <paramref name="stop"/> (the host's shutdown: sharding hands off, the node leaves its cluster) with Akka's
    /// scheduler moving on its own, since those steps wait on Akka timers.
    /// </summary>
    public async Task RunWithTimeMovingAsync(Func<Task> stop)
    {
        using var done = new CancellationTokenSource();
        var pump = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                _scheduler.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Delay(1, CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            await stop();
        }
        finally
        {
            await done.CancelAsync();
            await pump;
        }
    }

    /// <summary>The object's committed journal events, read from the journal by a recovery of its own.</summary>
    public async Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(DurableObjectId id)
    {
        var read = new TaskCompletionSource<IReadOnlyList<JournalEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _objects.System.ActorOf(Props.Create(() => new JournalReader(ObjectActor.PersistenceIdOf(id), read)));
        return await read.Task.WaitAsync(AskTimeout);
    }

    /// <summary>
    /// Replays an object's events from the first (snapshots skipped, so no snapshot load is counted as an object's
    /// load), hands them over and stops. It writes nothing.
    /// </summary>
    private sealed class JournalReader(string persistenceId, TaskCompletionSource<IReadOnlyList<JournalEvent>> read) : PersistentActor
    {
        private readonly List<JournalEvent> _events = [];

        public override string PersistenceId { get; } = persistenceId;

        public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

        protected override bool ReceiveRecover(object message)
        {
            switch (message)
            {
                case BatchCommitted committed:
                    _events.Add(new JournalEvent(LastSequenceNr, committed.At, committed.Batch));
                    return true;
                case RecoveryCompleted:
                    read.TrySetResult(_events);
                    Context.Stop(Self);
                    return true;
                default:
                    return true;
            }
        }

        protected override bool ReceiveCommand(object message) => false;

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            read.TrySetException(reason);
            base.OnRecoveryFailure(reason, message);
        }
    }

    // Only objects' own writes and loads: the alarm books and sharding's remembered entities share the test journal,
    // and a fault meant for an object's commit must not land on its alarm book's note written just before it.
    private sealed class WriteInterceptor(JournalFaults faults) : IJournalInterceptor
    {
        public Task InterceptAsync(IPersistentRepresentation message) =>
            message.Payload is BatchCommitted ? faults.BeforeAppendAsync() : Task.CompletedTask;
    }

    private sealed class LoadInterceptor(JournalFaults faults) : ISnapshotStoreInterceptor
    {
        public Task InterceptAsync(string persistenceId, SnapshotSelectionCriteria criteria) =>
            IsObject(persistenceId) ? faults.BeforeLoadAsync() : Task.CompletedTask;

        // An object's persistence id is {namespace}/{64 hex digits}.
        private static bool IsObject(string persistenceId) =>
            persistenceId.LastIndexOf('/') is var slash and > 0
            && persistenceId.Length - slash - 1 == 64
            && persistenceId.AsSpan(slash + 1).ContainsAnyExcept("0123456789abcdef") == false;
    }
}
