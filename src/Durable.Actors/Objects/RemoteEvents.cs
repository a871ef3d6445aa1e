using System.Text.Json;
using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Durable.Internal;
using Durable.Storage;

namespace Durable.Objects;

/// <summary>
/// Events whose object lives on another node. Fetches and alarms are local objects carrying their caller's completion;
/// when sharding forwards one over remoting, <see cref="ObjectEventSerializer"/> writes it with a reply address:
/// <list type="bullet">
/// <item><b>Caller's node.</b> Each serialization registers the event under a new correlation id with this node's reply
/// actor (a resend registers again). The reply actor completes the event with the first answer; an entry leaves when
/// its event completes (answer or the caller's deadline), so none outlives its event. A forwarded event no longer
/// counts against this node's in-flight limit through its object: it is finished here when it completes.</item>
/// <item><b>Owner's node.</b> The event built from the bytes is admitted to this node's runtime (its in-flight count and
/// deadline, with the caller's remaining time) and, when it completes, its outcome is told to the caller's reply actor:
/// a response (status, headers, body), an alarm's outcome, or an error with its code and message, so the caller's edge
/// answers as for a local failure. Everything the owner tells the caller has the owner's reply actor as its sender.</item>
/// <item><b>Where each event went.</b> Akka does not tell a serializer where its bytes go, so the caller learns it from
/// the answers: every answer's sender is the owner's reply actor, and its address becomes the home of the event's shard
/// (namespace and the shard of <see cref="ObjectMessageExtractor"/>). An event is presumed to go to its shard's home when
/// it is written; one for a shard whose home is not known yet asks for a receipt, which the owner tells at once when it
/// adopts the event (only a shard's first contact, and the first after its home was lost, pays the extra message).</item>
/// <item><b>Failover.</b> When a member becomes unreachable, or is downed or removed (not after a graceful leave, which
/// hands shards off and drains first), every event waiting on that node fails at once with
/// <see cref="OwnerUnreachableException"/> (503 <c>owner_unreachable</c> with Retry-After) instead of waiting for its
/// deadline: the outcome is unknown, as the node may have stored the event's effects before it failed. While the node
/// stays unreachable, an event written for a shard homed there fails the same way as it leaves (the region still routes
/// it there until the node is removed). Events still buffered in the local region (shard not yet placed) were never
/// written, so they are not failed: the region delivers them once their shard has a live home. Homes on a removed node
/// are forgotten; the next event for such a shard asks for a receipt again. A home is a presumption between a shard's
/// move and the new home's first answer: an event written then is presumed at the old home, and fails if that node is
/// lost before the answer comes.</item>
/// </list>
/// </summary>
internal sealed class RemoteEvents
{
    /// <summary>Room left in a remoting frame for what surrounds a body (URI, headers, Akka's envelope); at most a quarter of a small frame.</summary>
    internal const int FrameOverhead = 256 * 1024;

    private readonly ConcurrentDictionary<long, Waiting> _waiting = new();
    // The node each shard's events went to last (learned from answers and receipts), and the members unreachable now.
    private readonly ConcurrentDictionary<ShardKey, Address> _homes = new();
    private readonly ConcurrentDictionary<Address, bool> _unreachable = new();
    private readonly ObjectRuntime _runtime;
    private readonly ActorSystem _system;
    private readonly ObjectMessageExtractor _shards;
    private readonly IActorRef _replies;
    private long _lastCorrelation;
    private long _adopted;
    private long _receiptsAsked;
    private long _failedUnreachable;

    public RemoteEvents(ActorSystem system, ObjectRuntime runtime, ObjectMessageExtractor shards)
    {
        _system = system;
        _runtime = runtime;
        _shards = shards;
        _replies = system.ActorOf(Props.Create(() => new ReplyActor(this)), "durable-replies");
        var frame = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null) ?? 128000;
        MaxBodyBytes = (int)Math.Min(int.MaxValue, frame - Math.Min(FrameOverhead, frame / 4));
    }

    /// <summary>The largest request or response body that fits one remoting frame.</summary>
    public int MaxBodyBytes { get; }

    /// <summary>Events registered on this node and not yet answered.</summary>
    public int WaitingCount => _waiting.Count;

    /// <summary>How many times events were written for another node here (a resend counts again).</summary>
    public long Sent => Volatile.Read(ref _lastCorrelation);

    /// <summary>How many events from other nodes this node took for its objects.</summary>
    public long Adopted => Volatile.Read(ref _adopted);

    /// <summary>How many events were written here asking their owner for a receipt (their shard's home was not known).</summary>
    public long ReceiptsAsked => Volatile.Read(ref _receiptsAsked);

    /// <summary>How many waiting events failed here because their node became unreachable or left.</summary>
    public long FailedUnreachable => Volatile.Read(ref _failedUnreachable);

    /// <summary>The node this node last learned to host the shard of <paramref name="target"/>, if any.</summary>
    public Address? HomeOf(DurableObjectId target) => _homes.GetValueOrDefault(ShardOf(target));

    internal ObjectRuntime Runtime => _runtime;

    // ---- the caller's node ----

    /// <summary>
    /// Registers an event being serialized for another node; returns where its answer goes and whether the owner must
    /// tell a receipt on arrival (the shard's home is not known here). An event presumed to go to a node that is
    /// unreachable now fails at once (it is written all the same: the region sends it there).
    /// </summary>
    public (string ReplyTo, long Correlation, bool ReceiptWanted) Register(ObjectEvent e)
    {
        var correlation = Interlocked.Increment(ref _lastCorrelation);
        var shard = ShardOf(e.Target);
        var home = _homes.GetValueOrDefault(shard);
        var entry = new Waiting(e, shard, home);
        _waiting[correlation] = entry;
        Release(e);
        e.Done.ContinueWith(static (_, state) =>
        {
            var (waiting, id) = ((ConcurrentDictionary<long, Waiting>, long))state!;
            waiting.TryRemove(id, out Waiting? _);
        }, (_waiting, correlation), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (home is null) Interlocked.Increment(ref _receiptsAsked);
        // Added to the waiting events first, checked second: a node marked unreachable meanwhile fails it in its sweep.
        else if (_unreachable.ContainsKey(home)) FailUnreachable(entry, home, "is unreachable");
        return (Akka.Serialization.Serialization.SerializedActorPath(_replies), correlation, home is null);
    }

    /// <summary>
    /// The event left this node (or could not): no object here finishes it, so this node's runtime counts it finished
    /// when it completes. Idempotent.
    /// </summary>
    public void Release(ObjectEvent e)
    {
        if (Interlocked.Exchange(ref e.Forwarded, 1) != 0) return;
        e.Done.ContinueWith(static (_, state) =>
        {
            var (runtime, done) = ((ObjectRuntime, ObjectEvent))state!;
            runtime.ForwardedFinished(done);
        }, (_runtime, e), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The remaining time of <paramref name="e"/>'s deadline on this node.</summary>
    public TimeSpan Remaining(ObjectEvent e) => _runtime.Options.EventDeadline - _runtime.Time.GetElapsedTime(e.ArrivedAt);

    private ShardKey ShardOf(DurableObjectId target)
    {
        var entityId = target.ToString();
        return new ShardKey(target.Namespace, _shards.ShardId(entityId));
    }

    // Written only when it changed: every answer passes here.
    private void Learn(ShardKey shard, Address owner)
    {
        if (!_homes.TryGetValue(shard, out var known) || !known.Equals(owner)) _homes[shard] = owner;
    }

    /// <summary>The owner at <paramref name="owner"/> adopted the event: it is the node that will answer.</summary>
    private void Receipt(EventReceipt receipt, Address owner)
    {
        if (!_waiting.TryGetValue(receipt.Correlation, out var entry)) return;
        entry.Home = owner;
        Learn(entry.Shard, owner);
        if (_unreachable.ContainsKey(owner)) FailUnreachable(entry, owner, "is unreachable");
    }

    private void Answer(EventReply reply, Address owner)
    {
        if (!_waiting.TryRemove(reply.Correlation, out var entry)) return; // answered already, or past its deadline
        Learn(entry.Shard, owner);
        var e = entry.Event;
        switch (reply, e)
        {
            case (FetchReply answer, FetchEvent fetch):
                fetch.TryAnswer(UpgradeOutcome.Take(answer, fetch).ToResponse());
                break;
            case (DoneReply, SocketEvent socket):
                socket.TryAnswer();
                break;
            case (ChannelEventReply answer, ChannelEvent channel):
                channel.TryAnswer(answer.ToReply());
                break;
            case (AlarmReply answer, AlarmEvent alarm):
                alarm.TryAnswer(answer.Ran);
                break;
            case (FailedReply failed, _):
                e.TryFail(failed.ToException(e.Target));
                break;
            default:
                e.TryFail(new DurableObjectException($"The owner of object {e.Target} answered {reply.GetType().Name} to a {e.Describe()}.", null, e.Target));
                break;
        }
    }

    // ---- the owner's node ----

    /// <summary>The time an event arrived here for the caller's <paramref name="remaining"/> time to be left of its deadline.</summary>
    public long ArrivalFor(TimeSpan remaining)
    {
        var elapsed = _runtime.Options.EventDeadline - remaining;
        return _runtime.Time.GetTimestamp() - (long)(elapsed.TotalSeconds * _runtime.Time.TimestampFrequency);
    }

    /// <summary>
    /// Admits an event that came from <paramref name="replyTo"/> and sends its outcome there when it completes; first a
    /// receipt, when the caller asked for one (it did not know where the event's shard lives).
    /// </summary>
    public void Adopt(ObjectEvent e, string replyTo, long correlation, bool receiptWanted)
    {
        var caller = ((ExtendedActorSystem)_system).Provider.ResolveActorRef(replyTo);
        if (receiptWanted) caller.Tell(new EventReceipt(correlation), _replies);
        _ = e switch
        {
            FetchEvent fetch => AnswerFetchAsync(fetch, caller, correlation),
            AlarmEvent alarm => AnswerAlarmAsync(alarm, caller, correlation),
            SocketEvent socket => AnswerSocketAsync(socket, caller, correlation),
            ChannelEvent channel => AnswerChannelAsync(channel, caller, correlation),
            _ => throw new ArgumentException($"{e.GetType().Name} does not travel between nodes.", nameof(e)),
        };
        Interlocked.Increment(ref _adopted);
        _runtime.AdoptForwarded(e);
    }

    private async Task AnswerFetchAsync(FetchEvent e, IActorRef caller, long correlation)
    {
        EventReply reply;
        try
        {
            using var response = await e.Completion;
            reply = UpgradeOutcome.Add(await FetchReply.FromAsync(correlation, response, MaxBodyBytes, e.Target), e);
        }
        catch (Exception error)
        {
            reply = FailedReply.From(correlation, error);
        }
        caller.Tell(reply, _replies);
    }

    private async Task AnswerAlarmAsync(AlarmEvent e, IActorRef caller, long correlation)
    {
        EventReply reply;
        try
        {
            reply = new AlarmReply(correlation, await e.Completion);
        }
        catch (Exception error)
        {
            reply = FailedReply.From(correlation, error);
        }
        caller.Tell(reply, _replies);
    }

    private async Task AnswerSocketAsync(SocketEvent e, IActorRef caller, long correlation)
    {
        EventReply reply;
        try
        {
            await e.Completion;
            reply = new DoneReply(correlation);
        }
        catch (Exception error)
        {
            reply = FailedReply.From(correlation, error);
        }
        // The client closed: the handle leaves this object once its close turn ran (the edge removes its own copy).
        if (e.Kind == SocketEventKind.Close && e.Socket.IsRemote) _runtime.Sockets.Remove(e.Socket);
        caller.Tell(reply, _replies);
    }

    private async Task AnswerChannelAsync(ChannelEvent e, IActorRef caller, long correlation)
    {
        EventReply reply;
        try
        {
            var answer = await e.Completion;
            reply = new ChannelEventReply(correlation, answer?.Status,
                answer?.Response is { } response ? JsonSerializer.SerializeToUtf8Bytes(response, _runtime.Options.Json) : null);
        }
        catch (Exception error)
        {
            reply = FailedReply.From(correlation, error);
        }
        caller.Tell(reply, _replies);
    }

    // ---- failover ----

    /// <summary>
    /// A member became unreachable, or was downed or removed: the events waiting on it fail now (<paramref name="why"/>
    /// null: none does). Its homes stay known while it is only unreachable (the region keeps routing there, so new events
    /// for its shards fail as they leave); once it is downed or removed they are forgotten and the next event for those
    /// shards asks for a receipt.
    /// </summary>
    private void Lost(Address node, string? why, bool gone)
    {
        if (why is not null)
        {
            _unreachable[node] = true;
            foreach (var entry in _waiting.Values)
                if (Equals(entry.Home, node)) FailUnreachable(entry, node, why);
        }
        if (!gone) return;
        foreach (var (shard, home) in _homes)
            if (Equals(home, node)) _homes.TryRemove(new KeyValuePair<ShardKey, Address>(shard, home));
        // A node that comes back at the same address is a new incarnation, reachable until told otherwise.
        _unreachable.TryRemove(node, out _);
    }

    private void Reachable(Address node) => _unreachable.TryRemove(node, out _);

    private void FailUnreachable(Waiting entry, Address node, string why)
    {
        var e = entry.Event;
        var error = new OwnerUnreachableException(
            $"{e.Describe()} to object {e.Target} was sent to node {node}, which {why}; the outcome is unknown: the node may " +
            "have run it and stored its effects before it failed. Retry after Retry-After: the object is served by another " +
            "node once the cluster has removed that one.", e.Target, node.ToString());
        if (e.TryFail(error)) Interlocked.Increment(ref _failedUnreachable);
    }

    /// <summary>Takes the owners' answers and receipts for this node's forwarded events, and hears of members lost.</summary>
    private sealed class ReplyActor : ReceiveActor
    {
        public ReplyActor(RemoteEvents events)
        {
            Receive<EventReply>(reply => events.Answer(reply, Sender.Path.Address));
            Receive<EventReceipt>(receipt => events.Receipt(receipt, Sender.Path.Address));
            Receive<ClusterEvent.UnreachableMember>(m => events.Lost(m.Member.Address, "became unreachable before it answered", gone: false));
            Receive<ClusterEvent.ReachableMember>(m => events.Reachable(m.Member.Address));
            Receive<ClusterEvent.MemberDowned>(m => events.Lost(m.Member.Address, "was downed before it answered", gone: true));
            // A node that left gracefully handed its shards off and answered what it had adopted before it stopped (its
            // runtime drains first); an event still presumed there went to the shard's new home, so none fails.
            Receive<ClusterEvent.MemberRemoved>(m => events.Lost(m.Member.Address,
                m.PreviousStatus == MemberStatus.Exiting ? null : "was removed from the cluster before it answered", gone: true));
        }

        protected override void PreStart() => Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberDowned), typeof(ClusterEvent.MemberRemoved));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>An event on its way to another node: its shard, and the node presumed (or, after a receipt, known) to have it.</summary>
    private sealed class Waiting(ObjectEvent e, ShardKey shard, Address? home)
    {
        private Address? _home = home;

        public ObjectEvent Event { get; } = e;

        public ShardKey Shard { get; } = shard;

        public Address? Home
        {
            get => Volatile.Read(ref _home);
            set => Volatile.Write(ref _home, value);
        }
    }

    private readonly record struct ShardKey(string Namespace, string Shard);
}

/// <summary>The owner adopted the forwarded event (told at once when the caller asked, with the owner's reply actor as sender).</summary>
internal sealed record EventReceipt(long Correlation);

/// <summary>An owner's answer to a forwarded event, for the caller's reply actor.</summary>
internal abstract record EventReply(long Correlation);

/// <summary>One header and its values.</summary>
internal readonly record struct RemoteHeader(string Name, string[] Values)
{
    public static RemoteHeader[] Of(System.Net.Http.Headers.HttpHeaders headers) =>
        [.. headers.NonValidated.Select(h => new RemoteHeader(h.Key, [.. h.Value]))];

    public static void CopyTo(RemoteHeader[] headers, System.Net.Http.Headers.HttpHeaders target)
    {
        foreach (var header in headers) target.TryAddWithoutValidation(header.Name, header.Values);
    }
}

/// <summary>The object's response: status, reason, version, headers, and content (its headers and body) when it had one.</summary>
internal sealed record FetchReply(
    long Correlation, int Status, string? Reason, Version Version, RemoteHeader[] Headers, RemoteHeader[]? ContentHeaders, byte[] Body)
    : EventReply(Correlation)
{
    public static async Task<EventReply> FromAsync(long correlation, HttpResponseMessage response, int maxBody, DurableObjectId target)
    {
        RemoteHeader[]? contentHeaders = null;
        byte[] body = [];
        if (response.Content is { } content)
        {
            body = await content.ReadAsByteArrayAsync();
            contentHeaders = RemoteHeader.Of(content.Headers);
        }
        if (body.Length > maxBody)
            return FailedReply.From(correlation, new DurableObjectException(
                $"The response of object {target} has {body.Length} bytes, more than the {maxBody} that cross between nodes (akka.remote.dot-netty.tcp.maximum-frame-size).", null, target));
        return new FetchReply(correlation, (int)response.StatusCode, response.ReasonPhrase, response.Version, RemoteHeader.Of(response.Headers), contentHeaders, body);
    }

    public HttpResponseMessage ToResponse()
    {
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)Status) { ReasonPhrase = Reason, Version = Version };
        RemoteHeader.CopyTo(Headers, response.Headers);
        if (ContentHeaders is { } contentHeaders)
        {
            response.Content = new ByteArrayContent(Body);
            RemoteHeader.CopyTo(contentHeaders, response.Content.Headers);
        }
        return response;
    }
}

/// <summary>A channel event's reply: none (null status), or a status and the response as JSON (null: none).</summary>
internal sealed record ChannelEventReply(long Correlation, string? Status, byte[]? ResponseJson) : EventReply(Correlation)
{
    public ChannelReply? ToReply() => Status is null
        ? null
        : new ChannelReply(Status, ResponseJson is null ? null : JsonDocument.Parse(ResponseJson).RootElement.Clone());
}

/// <summary>A socket event ran on its object.</summary>
internal sealed record DoneReply(long Correlation) : EventReply(Correlation);

/// <summary>
/// What the object did with a WebSocket upgrade that came from another node's edge, carried back as two reserved headers
/// of the fetch's answer: accepted (with the socket's tags as values) or rejected (with the reason).
/// </summary>
internal static class UpgradeOutcome
{
    public const string Accepted = "Durable-Internal-Socket-Accepted";
    public const string Rejected = "Durable-Internal-Socket-Rejected";

    /// <summary>On the object's node: adds the outcome of <paramref name="e"/>'s upgrade, if it was one, to its answer.</summary>
    public static EventReply Add(EventReply reply, FetchEvent e)
    {
        if (reply is not FetchReply fetch || WebSocketUpgrade.Of(e.Request) is not { } upgrade) return reply;
        if (upgrade.Socket is { } socket) return fetch with { Headers = [.. fetch.Headers, new RemoteHeader(Accepted, [.. socket.Tags])] };
        if (upgrade.Rejection is { } why) return fetch with { Headers = [.. fetch.Headers, new RemoteHeader(Rejected, [why])] };
        return reply;
    }

    /// <summary>At the edge: moves the outcome from the answer to the request's upgrade marker.</summary>
    public static FetchReply Take(FetchReply reply, FetchEvent e)
    {
        if (WebSocketUpgrade.Of(e.Request) is not { } upgrade) return reply;
        foreach (var header in reply.Headers)
        {
            if (header.Name == Accepted) upgrade.AcceptedRemotely = header.Values;
            else if (header.Name == Rejected) upgrade.Rejection = header.Values.FirstOrDefault() ?? "rejected";
        }
        return reply with { Headers = [.. reply.Headers.Where(h => h.Name is not (Accepted or Rejected))] };
    }
}

/// <summary>An alarm's outcome: whether its handler ran (false: the alarm was stale).</summary>
internal sealed record AlarmReply(long Correlation, bool Ran) : EventReply(Correlation);

/// <summary>
/// The event failed on the owner: the error code of a <see cref="DurableObjectException"/> ("" for any other error) and the
/// chain of causes, outermost first, as type names and messages.
/// </summary>
internal sealed record FailedReply(long Correlation, string Code, bool IsRetryable, RemoteCause[] Causes) : EventReply(Correlation)
{
    public static FailedReply From(long correlation, Exception error)
    {
        var causes = new List<RemoteCause>();
        for (Exception? e = error; e is not null && causes.Count < 8; e = e.InnerException)
            causes.Add(new RemoteCause(e.GetType().FullName ?? e.GetType().Name, e.Message));
        return error is DurableObjectException known
            ? new FailedReply(correlation, known.Code, known.IsRetryable, [.. causes])
            : new FailedReply(correlation, "", false, [.. causes]);
    }

    /// <summary>The same kind of error the owner had, for the same answer at the caller's edge.</summary>
    public Exception ToException(DurableObjectId target)
    {
        Exception? inner = null;
        for (var i = Causes.Length - 1; i >= 1; i--) inner = Causes[i].ToException(inner);
        var message = Causes.Length > 0 ? Causes[0].Message : "";
        return Code switch
        {
            "" => Causes.Length > 0 ? Causes[0].ToException(inner) : new RemoteFailureException("?", "", inner),
            "object_error" => new DurableObjectException(message, inner, target),
            "overloaded" => new OverloadedException(message, target),
            "deadline_exceeded" => new DeadlineExceededException(message, target),
            "object_reset" => new DurableObjectResetException(message, inner, target),
            "instantiation_failed" => new InstantiationFailedException(message, inner, target),
            "shard_moved" => new ShardMovedException(message, target),
            "owner_unreachable" => new OwnerUnreachableException(message, target),
            "unknown_namespace" => new UnknownNamespaceException(target.Namespace),
            _ => new ForwardedObjectException(Code, message, inner, target, IsRetryable),
        };
    }
}

/// <summary>One exception of a failure's chain, as its type name and message.</summary>
internal readonly record struct RemoteCause(string Type, string Message)
{
    /// <summary>Storage limits come back as themselves (the edge answers them 413/400); others as <see cref="RemoteFailureException"/>.</summary>
    public Exception ToException(Exception? inner) =>
        Type == typeof(KeyTooLargeException).FullName ? new KeyTooLargeException(Message)
        : Type == typeof(ValueTooLargeException).FullName ? new ValueTooLargeException(Message)
        : Type == typeof(BatchTooLargeException).FullName ? new BatchTooLargeException(Message)
        : new RemoteFailureException(Type, Message, inner);
}

/// <summary>An exception thrown on another node, known here by its type name and message.</summary>
internal sealed class RemoteFailureException(string type, string message, Exception? inner)
    : Exception(message, inner)
{
    /// <summary>The full name of the exception's type on the node that threw it.</summary>
    public string RemoteType { get; } = type;
}

/// <summary>A <see cref="DurableObjectException"/> of a code this node has no type for, from another node.</summary>
internal sealed class ForwardedObjectException(string code, string message, Exception? inner, DurableObjectId target, bool isRetryable)
    : DurableObjectException(code, message, inner, target, isRetryable);
