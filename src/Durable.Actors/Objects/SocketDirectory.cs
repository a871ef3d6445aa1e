using Akka.Actor;
using Akka.Cluster;
using Durable.Internal;

namespace Durable.Objects;

/// <summary>One client socket as its edge describes it to an object on another node.</summary>
internal sealed record SocketDescriptor(Guid SocketId, IActorRef Actor, string[] Tags, byte[]? Attachment, long AutoResponseAt = 0);

/// <summary>One Phoenix subscription of an object as its connection's edge describes it to an object on another node:
/// the topic, the join ref its pushes carry, and the connection's socket actor.</summary>
internal sealed record ChannelDescriptor(string Topic, string? JoinRef, IActorRef Actor);

/// <summary>Asks a node's directory for its sockets of one object.</summary>
internal sealed record SocketsOf(DurableObjectId Target);

/// <summary>A node's sockets and channel subscriptions of the object asked about.</summary>
internal sealed record SocketsHere(SocketDescriptor[] Sockets, ChannelDescriptor[] Channels);

/// <summary>What the other nodes hold for an object, and the members that did not answer in time.</summary>
internal sealed record GatheredSockets(SocketDescriptor[] Sockets, ChannelDescriptor[] Channels, string[] Missing);

/// <summary>
/// The node's socket directory (one actor at <c>/user/durable-sockets</c> on every node). What it promises:
/// <list type="bullet">
/// <item>Asked <see cref="SocketsOf"/> an object, it answers with the sockets whose connection is on this node (open, with
/// a socket actor), with the edge's tags and attachment, and with the Phoenix subscriptions of this node's connections to
/// the object: an object starting on another node (its shard moved, or it hibernated on a node that never saw them)
/// registers them before its first event, so it sees all its sockets and its broadcasts reach every subscriber.</item>
/// <item>A handle this node's objects hold for a connection elsewhere is removed when that socket actor stops (the client
/// left, or its node went away), so no object keeps a socket that is gone.</item>
/// <item>For such a handle it tells the socket actor <see cref="SocketHeld"/>; the edge then reports each auto-response it
/// answers on that socket (<see cref="SocketAutoResponded"/>, and the last one at once), which the directory writes on the
/// handle without waking the object: <c>GetWebSocketAutoResponseTimestamp</c> sees it on every node. A starting object
/// gets the timestamp with the socket's descriptor.</item>
/// </list>
/// </summary>
internal sealed class SocketDirectory
{
    public const string Name = "durable-sockets";

    private IActorRef _actor = ActorRefs.Nobody;
    private ActorSystem? _system;

    public void Start(ActorSystem system, SocketRegistry registry)
    {
        _system = system;
        _actor = system.ActorOf(Props.Create(() => new DirectoryActor(registry)), Name);
        registry.RemoteHandleAdded = (socket, actor) => _actor.Tell(new Watch(socket, actor));
        registry.RemoteChannelAdded = (channel, actor) => _actor.Tell(new Watch(channel, actor));
    }

    /// <summary>The sockets and subscriptions the other Up members hold for <paramref name="target"/>; a member that does
    /// not answer within <paramref name="bound"/> is skipped (and named in <see cref="GatheredSockets.Missing"/>).</summary>
    public async Task<GatheredSockets> GatherAsync(DurableObjectId target, TimeSpan bound)
    {
        var system = _system ?? throw new InvalidOperationException("The socket directory has not started.");
        var cluster = Cluster.Get(system);
        var others = cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.Address != cluster.SelfAddress).Select(m => m.Address).ToArray();
        var asks = others.Select(async address =>
        {
            try
            {
                var directory = system.ActorSelection(new RootActorPath(address) / "user" / Name);
                return await directory.Ask<SocketsHere>(new SocketsOf(target), bound);
            }
            catch (Exception error) when (error is AskTimeoutException or TaskCanceledException or ActorNotFoundException)
            {
                return null;
            }
        }).ToArray();
        var answers = await Task.WhenAll(asks);
        var missing = others.Where((_, i) => answers[i] is null).Select(a => a.ToString()).ToArray();
        var found = answers.OfType<SocketsHere>().ToArray();
        return new GatheredSockets([.. found.SelectMany(a => a.Sockets)], [.. found.SelectMany(a => a.Channels)], missing);
    }

    private sealed record Watch(object Handle, IActorRef Actor);

    private sealed class DirectoryActor(SocketRegistry registry) : UntypedActor
    {
        private readonly Dictionary<IActorRef, List<object>> _watched = [];

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case SocketsOf query:
                    Sender.Tell(Here(query.Target));
                    break;
                case SocketAutoResponded responded:
                    registry.Find(responded.Target)?.Find(responded.SocketId)?.NoteAutoResponse(responded.At);
                    break;
                case Watch watch:
                    if (watch.Handle is HibernatableSocket held) watch.Actor.Tell(new SocketHeld(held.Id), Self);
                    if (!_watched.TryGetValue(watch.Actor, out var handles))
                    {
                        _watched[watch.Actor] = handles = [];
                        Context.Watch(watch.Actor);
                    }
                    handles.Add(watch.Handle);
                    break;
                case Terminated terminated:
                    if (_watched.Remove(terminated.ActorRef, out var gone))
                        foreach (var handle in gone)
                        {
                            if (handle is HibernatableSocket socket) registry.Remove(socket);
                            else registry.Remove((ChannelSubscription)handle);
                        }
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }

        private SocketsHere Here(DurableObjectId target)
        {
            if (registry.Find(target) is not { } entry) return new SocketsHere([], []);
            var sockets = entry.Sockets(null).Cast<HibernatableSocket>()
                .Where(s => !s.IsRemote && s.State == SocketState.Open && s.Actor is not null)
                .Select(s => new SocketDescriptor(s.Id, s.Actor!, [.. s.Tags], s.AttachmentBytes, s.AutoResponseAt))
                .ToArray();
            var channels = entry.Channels()
                .Where(c => !c.IsRemote && c.Actor is not null)
                .Select(c => new ChannelDescriptor(c.Topic, c.JoinRef, c.Actor!))
                .ToArray();
            return new SocketsHere(sockets, channels);
        }
    }
}
