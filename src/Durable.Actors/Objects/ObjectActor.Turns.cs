using System.Text.Json;
using Akka.Actor;
using Durable.Internal;
using Durable.Storage;

namespace Durable.Objects;

internal sealed partial class ObjectActor
{
    /// <summary>
    /// The object's side of the actor: the turn's <see cref="SynchronizationContext"/>, whose posts are
    /// <see cref="ObjectProtocol.Continue"/> messages to the actor, and the gates and history its state and storage use.
    /// </summary>
    private sealed class Turns(ObjectActor actor) : ObjectContext
    {
        public override DurableObjectId Id => actor.Id;

        public override string? Name => actor._name ?? actor.Id.Name;

        public override JsonSerializerOptions JsonOptions => actor._runtime.Options.Json;

        public override DurableObject? Instance => actor._instance;

        public override DurableObjectStorage? Storage => actor._storage;

        public override bool IsBroken => actor._broken is not null;

        public override SocketRegistry Sockets => actor._runtime.Sockets;

        public override DurableMetrics Metrics => actor._runtime.Metrics;

        public override TimeProvider Time => actor._runtime.Time;

        public override OutputGate OutputGate => actor._gate ?? throw new InvalidOperationException($"Object {Id} has not recovered its state yet.");

        protected override bool IsStarted => actor._gate is not null;

        public override void Post(SendOrPostCallback d, object? state) => actor._self.Tell(new ObjectProtocol.Continue(d, state), ActorRefs.NoSender);

        public override void Send(SendOrPostCallback d, object? state)
        {
            if (Running != this)
                throw new NotSupportedException($"Synchronous Send into object {Id} from outside its turn would block; use Post.");
            d(state);
        }

        public override SynchronizationContext CreateCopy() => this;

        public ObjectContext? EnterTurn() => Enter();

        public static void LeaveTurn(ObjectContext? previous, SynchronizationContext? previousContext) => Leave(previous, previousContext);

        public override void LockInput() => actor.LockInput();

        public override void UnlockInput() => actor.UnlockInput();

        public override Task<T> BlockConcurrencyWhileAsync<T>(Func<Task<T>> callback) => actor.BlockConcurrencyWhileAsync(callback);

        public override void WaitUntil(Task task)
        {
            ArgumentNullException.ThrowIfNull(task);
            _ = actor.TrackAsync(task);
        }

        public override void Deliver(ObjectEvent e) => actor.Deliver(e);

        public override void Break(DurableObjectException reason) => actor.Break(reason);

        public override void Append(JournalEvent journalEvent, Action committed, Action<Exception> failed) =>
            actor.Append(journalEvent, committed, failed);

        // The actor processes its mailbox by itself: nothing to schedule.
        public override void ScheduleIfRunnable()
        {
        }

        public override Task<JournalPosition> FindPositionAsync(DateTimeOffset? time) => actor.FindPositionAsync(time);

        public override Task<ObjectData> LoadHistoryAsync(long seq) => actor.LoadHistoryAsync(seq);
    }
}
