using System.Collections.Concurrent;
using System.Collections.Frozen;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Streams;
using Durable.Internal;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Durable.Objects;

/// <summary>
/// The node's objects on Akka.NET: one shard region per namespace, whose entities are <see cref="ObjectActor"/>s.
/// Events reach an object only through its namespace's region, so sharding decides where (and that only once) the
/// object lives. An event that died in a stopped object's mailbox (its write failed, or its recovery did) is sent
/// through the region again, to the object's next incarnation, a bounded number of times.
/// </summary>
internal sealed partial class ShardedObjects
{
    private const int MaxRedispatches = 3;

    private readonly ConcurrentDictionary<DurableObjectId, IActorRef> _live = new();
    private FrozenDictionary<string, IActorRef> _regions = FrozenDictionary<string, IActorRef>.Empty;
    private ActorSystem? _system;
    private ObjectRuntime? _runtime;
    private Cluster? _cluster;
    private RemoteEvents? _remote;

    public ActorSystem System => _system ?? throw new InvalidOperationException("The object engine has not started.");

    public IMaterializer Materializer { get; private set; } = null!;

    /// <summary>The journal plugin's read journal (history for point-in-time recovery), when it has one.</summary>
    public ICurrentEventsByPersistenceIdQuery? ReadJournal { get; private set; }

    /// <summary>This node is Up in its cluster (a cluster of one on a single node).</summary>
    public bool IsUp => _system is { } system && Cluster.Get(system).SelfMember.Status == MemberStatus.Up;

    public IReadOnlyDictionary<string, IActorRef> Regions => _regions;

    /// <summary>Events on their way to and from objects on other nodes.</summary>
    public RemoteEvents Remote => _remote ?? throw new InvalidOperationException("The object engine has not started.");

    /// <summary>The cluster has members besides this node, so an object may live elsewhere.</summary>
    public bool HasPeers => _cluster is { } cluster && cluster.State.Members.Count > 1;

    /// <summary>How many objects have a running actor on this node.</summary>
    public int LiveCount => _live.Count;

    /// <summary>The objects' actors running on this node.</summary>
    public ICollection<IActorRef> LiveActors => _live.Values;

    public bool IsLive(DurableObjectId id) => _live.ContainsKey(id);

    internal void Started(DurableObjectId id, IActorRef actor) => _live[id] = actor;

    internal void Stopped(DurableObjectId id, IActorRef actor) => _live.TryRemove(new KeyValuePair<DurableObjectId, IActorRef>(id, actor));

    /// <summary>The node's socket directory: other nodes' objects ask it for this node's sockets.</summary>
    public SocketDirectory Directory { get; } = new();

    /// <summary>The alarm books of every namespace (one region, remember-entities on).</summary>
    public AlarmBooks Books { get; } = new();

    /// <summary>Completes once this node is Up in its cluster.</summary>
    public Task WhenUpAsync()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        return up.Task;
    }

    /// <summary>Starts the regions; the read journal is the one of the journal plugin in use.</summary>
    public async Task StartAsync(ActorSystem system, ObjectRuntime runtime, string? readJournalPluginId)
    {
        _system = system;
        _runtime = runtime;
        Materializer = system.Materializer();
        var extractor = new ObjectMessageExtractor(runtime.Options.Shards);
        _remote = new RemoteEvents(system, runtime, extractor);
        _cluster = Cluster.Get(system);
        Directory.Start(system, runtime.Sockets);
        if (readJournalPluginId is not null)
            ReadJournal = PersistenceQuery.Get(system).ReadJournalFor<ICurrentEventsByPersistenceIdQuery>(readJournalPluginId);
        var sharding = ClusterSharding.Get(system);
        // Objects passivate themselves (ObjectProtocol.Idle on the actor system's scheduler): sharding's own idle check
        // reads the wall clock, which a spec's virtual time cannot move.
        var settings = ClusterShardingSettings.Create(system).WithPassivateIdleAfter(TimeSpan.Zero);
        var regions = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        foreach (var registration in runtime.Options.Namespaces.Values)
        {
            regions[registration.Name] = await sharding.StartAsync(
                typeName: registration.Name,
                entityPropsFactory: entityId => ObjectActor.Props(runtime, registration, entityId),
                settings: settings,
                messageExtractor: extractor,
                allocationStrategy: ShardAllocationStrategy.LeastShardAllocationStrategy(settings.TuningParameters.LeastShardAllocationAbsoluteLimit, settings.TuningParameters.LeastShardAllocationRelativeLimit),
                handOffStopMessage: ObjectProtocol.Stop.Instance);
        }
        _regions = regions.ToFrozenDictionary(StringComparer.Ordinal);
        await Books.StartAsync(system, runtime);
        var listener = system.ActorOf(Props.Create(() => new LostEventListener(this)), "durable-lost-events");
        system.EventStream.Subscribe(listener, typeof(DeadLetter));
    }

    /// <summary>Sends an admitted event to its object through the namespace's region.</summary>
    public void Deliver(ObjectEvent e) => _regions[e.Target.Namespace].Tell(e, ActorRefs.NoSender);

    private void Redispatch(ObjectEvent e)
    {
        var runtime = _runtime!;
        if (e.IsCompleted)
        {
            runtime.EventFinished(e);
            return;
        }
        if (++e.Redispatches > MaxRedispatches || runtime.IsStopping)
        {
            Log.EventLost(runtime.Logger, e.Target, e.Describe());
            e.TryFail(new DurableObjectResetException(
                $"Object {e.Target} was reset {MaxRedispatches} times before it could take this {e.Describe()}.", null, e.Target));
            runtime.EventFinished(e);
            return;
        }
        Log.EventRedispatched(runtime.Logger, e.Target, e.Describe());
        Deliver(e);
    }

    /// <summary>Hears of events that died in the mailbox or stash of an object that stopped.</summary>
    private sealed class LostEventListener : ReceiveActor
    {
        // Handlers are declared in the constructor: a ReceiveActor refuses them later (PreStart would fail the actor).
        public LostEventListener(ShardedObjects engine) => Receive<DeadLetter>(dead =>
        {
            if (dead.Message is ObjectEvent e) engine.Redispatch(e);
        });
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.EventRedispatched, LogLevel.Debug, "Object {ObjectId}: {Event} reached a stopped incarnation; sent again")]
        public static partial void EventRedispatched(ILogger logger, DurableObjectId objectId, string @event);

        [LoggerMessage(LogEventIds.EventLost, LogLevel.Warning, "Object {ObjectId}: {Event} could not be delivered; failed")]
        public static partial void EventLost(ILogger logger, DurableObjectId objectId, string @event);
    }
}

/// <summary>Entity id = the object's 64-hex id; shard = a stable hash of it over the configured number of shards.</summary>
internal sealed class ObjectMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => message is ObjectEvent e ? e.Target.ToString() : null;
}
