using Akka.Actor;
using Akka.Cluster.Sharding;
using Durable.Internal;
using Durable.Storage;
using static Durable.Objects.AlarmBookProtocol;

namespace Durable.Objects;

/// <summary>
/// The node's alarm books: one region, <c>alarm-books</c>, for every namespace, with remember-entities (event-sourced,
/// in the objects' journal). One region rather than one per namespace: books are few and small, and one region is one
/// coordinator and one remembered-entities store to recover instead of one per namespace. A book's entity id is
/// <c>{namespace}/{shard}</c>, the shard being the one of the object's own region.
/// </summary>
internal sealed class AlarmBooks
{
    public const string RegionName = "alarm-books";

    private IActorRef? _region;
    private ObjectMessageExtractor? _objectShards;
    private TimeSpan _noteTimeout;
    private readonly Lock _sync = new();
    private int _unsettled;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IActorRef, byte> _books = new();
    private TaskCompletionSource? _idle;

    public IActorRef Region => _region ?? throw new InvalidOperationException("The alarm books have not started.");

    public async Task StartAsync(ActorSystem system, ObjectRuntime runtime)
    {
        _objectShards = new ObjectMessageExtractor(runtime.Options.Shards);
        _noteTimeout = runtime.Options.EventDeadline;
        var settings = ClusterShardingSettings.Create(system).WithRememberEntities(true);
        var target = new RuntimeAlarmTarget(runtime, this);
        _region = await ClusterSharding.Get(system).StartAsync(
            typeName: RegionName,
            entityPropsFactory: bookId => AlarmBook.Props(bookId, target, runtime.Time, runtime.Logger),
            settings: settings,
            messageExtractor: new BookMessageExtractor(this, runtime.Options.Shards),
            allocationStrategy: ShardAllocationStrategy.LeastShardAllocationStrategy(settings.TuningParameters.LeastShardAllocationAbsoluteLimit, settings.TuningParameters.LeastShardAllocationRelativeLimit),
            handOffStopMessage: Stop.Instance);
    }

    /// <summary>The book that indexes <paramref name="key"/>'s alarm.</summary>
    public string BookOf(ObjectKey key) =>
        $"{key.Namespace}/{(_objectShards ?? throw new InvalidOperationException("The alarm books have not started.")).ShardId(key.Id)}";

    /// <summary>True when the book of <paramref name="id"/>'s alarm runs on this node (its entity's name is the escaped book id).</summary>
    public bool IsBookHere(DurableObjectId id)
    {
        var book = Uri.EscapeDataString(BookOf(ObjectKey.For(id)));
        return _books.Keys.Any(b => b.Path.Name == book);
    }

    /// <summary>Completes once the book has durably noted that the object may commit an alarm at <paramref name="due"/>.</summary>
    public Task NoteAsync(DurableObjectId id, DateTimeOffset due) =>
        Region.Ask<AlarmNoteResult>(new NoteAlarm(ObjectKey.For(id), due), _noteTimeout);

    /// <summary>Tells the book the object's committed alarm (after the commit, before any later note of the object).</summary>
    public void Confirm(DurableObjectId id, DateTimeOffset? due) => Region.Tell(new ConfirmAlarm(ObjectKey.For(id), due), ActorRefs.NoSender);

    /// <summary>The book's entries of the object, exhausted ones included.</summary>
    public async Task<IReadOnlyList<AlarmBookEntry>> GetAsync(DurableObjectId id) =>
        (await Region.Ask<AlarmBookResult>(new GetAlarms(ObjectKey.For(id)), _noteTimeout)).Entries;

    /// <summary>
    /// Completes when every alarm attempt started so far has ended and its book has recorded the outcome (and armed its
    /// timer again): what a test waits for after moving virtual time.
    /// </summary>
    public async Task WhenIdleAsync()
    {
        // First a barrier through every running book's mailbox (and its stash, while it persists): the timer ticks
        // delivered before now have been taken, so the attempts they start are counted below.
        await Task.WhenAll(_books.Keys.Select(book => book.Ask<Settled>(Settle.Instance, _noteTimeout)));
        Task idle;
        lock (_sync)
        {
            if (_unsettled == 0) return;
            idle = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        await idle;
    }

    private void AttemptStarted()
    {
        lock (_sync) _unsettled++;
    }

    private void AttemptSettled()
    {
        TaskCompletionSource? idle = null;
        lock (_sync)
        {
            if (--_unsettled == 0)
            {
                idle = _idle;
                _idle = null;
            }
        }
        idle?.TrySetResult();
    }

    private sealed class BookMessageExtractor(AlarmBooks books, int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => message is IBookCommand command ? books.BookOf(command.Object) : null;
    }

    /// <summary>Runs an alarm as an <see cref="AlarmEvent"/> through the object's region, once the runtime has started.</summary>
    private sealed class RuntimeAlarmTarget(ObjectRuntime runtime, AlarmBooks books) : IAlarmTarget
    {
        public Task<bool> FireAsync(ObjectKey key, DateTimeOffset due, int retryCount)
        {
            books.AttemptStarted();
            return RunAsync(key, due, retryCount);
        }

        public void Settled(ObjectKey key) => books.AttemptSettled();

        public void Exhausted(ObjectKey key, DateTimeOffset due) => runtime.Metrics.AlarmDropped();

        public void BookStarted(IActorRef book) => books._books[book] = 0;

        public void BookStopped(IActorRef book) => books._books.TryRemove(book, out _);

        private async Task<bool> RunAsync(ObjectKey key, DateTimeOffset due, int retryCount)
        {
            // Books restarted by remember-entities run before the runtime has started.
            await runtime.Started;
            runtime.Metrics.AlarmFired(runtime.Time.GetUtcNow() - due, retryCount > 0);
            return await runtime.FireAlarm(runtime.Ids.Parse(key.Namespace, key.Id), due, retryCount);
        }
    }
}
