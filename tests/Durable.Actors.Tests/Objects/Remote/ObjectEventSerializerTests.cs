using System.Net;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using Akka.Serialization;
using Durable.Actors.Tests.Objects.Akka;
using Durable.Internal;
using Durable.Objects;
using Durable.Storage;
using Durable.TestKit;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>
/// The wire format of forwarded events and their answers, on one node under virtual time: an event written and read
/// back is the same event, and the copy's answer (from the real object, through the reply actor) completes the original.
/// </summary>
public sealed class ObjectEventSerializerTests : IAsyncLifetime
{
    private readonly AkkaKit _akka = new();
    private DurableTestRuntime _kit = null!;

    private ObjectRuntime Runtime => _kit.Runtime;

    private RemoteEvents Remote => Runtime.Objects!.Remote;

    public async Task InitializeAsync() => _kit = await _akka.StartAsync();

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        await _akka.DisposeAsync();
    }

    [Fact]
    public async Task A_fetch_keeps_every_field_and_the_first_answer_of_its_copies_reaches_the_caller()
    {
        var target = _kit.IdFromName("counter", "round-trip");
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-test");
        content.Headers.ContentLanguage.Add("en");
        var request = new HttpRequestMessage(HttpMethod.Post, "http://durable-object/increment?q=a%20b") { Content = content, Version = HttpVersion.Version20 };
        request.Headers.TryAddWithoutValidation("X-Multi", ["one", "two"]);
        var original = new FetchEvent(target, Runtime.Time.GetTimestamp(), request);
        Runtime.AdoptForwarded(original); // stands for the edge's admission
        await _kit.AdvanceAsync(TimeSpan.FromSeconds(5));

        var (serializer, manifest, bytes) = Write(original);
        var copy = Assert.IsType<FetchEvent>(serializer.FromBinary(bytes, manifest));
        // A resend writes the same request again (the body is copied, not consumed) under a new correlation.
        var resent = Assert.IsType<FetchEvent>(serializer.FromBinary(serializer.ToBinary(original), manifest));

        Assert.Equal("F", manifest);
        Assert.Equal(2, Remote.WaitingCount);
        foreach (var e in new[] { copy, resent })
        {
            Assert.Equal(target, e.Target);
            Assert.Equal("round-trip", e.Target.Name);
            Assert.Equal(HttpMethod.Post, e.Request.Method);
            Assert.Equal("http://durable-object/increment?q=a%20b", e.Request.RequestUri!.OriginalString);
            Assert.Equal(HttpVersion.Version20, e.Request.Version);
            Assert.Equal(["one", "two"], e.Request.Headers.GetValues("X-Multi"));
            Assert.Equal("application/x-test", e.Request.Content!.Headers.ContentType!.MediaType);
            Assert.Equal(["en"], e.Request.Content.Headers.ContentLanguage);
            Assert.Equal([1, 2, 3], await e.Request.Content.ReadAsByteArrayAsync());
            // The caller's remaining deadline: 5 s of it were gone when it was written.
            Assert.Equal(5, Runtime.Time.GetElapsedTime(e.ArrivedAt).TotalSeconds, 3);
        }

        Runtime.Objects!.Deliver(copy);
        using var response = await original.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        // Both registrations leave with the event's completion (their removal runs just after it).
        Assert.True(SpinWait.SpinUntil(() => Remote.WaitingCount == 0, TimeSpan.FromSeconds(10)), $"{Remote.WaitingCount} registrations left");

        // The resent copy runs too (the object counts 2), but its answer finds no caller waiting. (Its response belongs to
        // the answering path, which disposes it once sent: only its status is read here.)
        Runtime.Objects.Deliver(resent);
        Assert.True((await resent.Completion.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccessStatusCode);
        Assert.Equal("3", await _kit.Stub("counter", "round-trip").FetchAsync(Kit.Post("/increment")).TextAsync());
        Assert.True(SpinWait.SpinUntil(() => Runtime.InFlight == 0, TimeSpan.FromSeconds(10)), $"{Runtime.InFlight} events still in flight");
    }

    [Fact]
    public async Task An_alarm_keeps_its_due_time_and_retry_count_and_its_outcome_reaches_the_book()
    {
        var target = _kit.IdFromName("alarm", "remote-alarm");
        var due = new DateTimeOffset(2026, 12, 3, 10, 11, 12, TimeSpan.Zero).AddTicks(7);
        var original = new AlarmEvent(target, Runtime.Time.GetTimestamp(), due, 4);
        Runtime.AdoptForwarded(original);

        var (serializer, manifest, bytes) = Write(original);
        var copy = Assert.IsType<AlarmEvent>(serializer.FromBinary(bytes, manifest));

        Assert.Equal("A", manifest);
        Assert.Equal(target, copy.Target);
        Assert.Equal(due, copy.Due);
        Assert.Equal(4, copy.RetryCount);
        // The object has no alarm at that time: the copy's outcome, "stale", is the original's.
        Runtime.Objects!.Deliver(copy);
        Assert.False(await original.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(SpinWait.SpinUntil(() => Remote.WaitingCount == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Answers_keep_every_field()
    {
        var response = new FetchReply(42, 418, "Teapot", HttpVersion.Version11,
            [new("X-A", ["1", "2"]), new("Set-Cookie", ["a=b"])], [new("Content-Type", ["text/plain"])], [9, 8, 7]);
        var noContent = response with { Correlation = 43, ContentHeaders = null, Body = [] };
        var failed = new FailedReply(44, "object_error", false,
            [new("Durable.DurableObjectException", "too big"), new(typeof(ValueTooLargeException).FullName!, "value of 200 bytes")]);

        var readResponse = Assert.IsType<FetchReply>(RoundTrip(response));
        var readNoContent = Assert.IsType<FetchReply>(RoundTrip(noContent));
        var readAlarm = Assert.IsType<AlarmReply>(RoundTrip(new AlarmReply(45, true)));
        var readReceipt = Assert.IsType<EventReceipt>(RoundTrip(new EventReceipt(46)));
        var readFailed = Assert.IsType<FailedReply>(RoundTrip(failed));

        Assert.Equal((42L, 418, "Teapot", HttpVersion.Version11), (readResponse.Correlation, readResponse.Status, readResponse.Reason, readResponse.Version));
        Assert.Equal(response.Headers.Select(h => (h.Name, string.Join("|", h.Values))), readResponse.Headers.Select(h => (h.Name, string.Join("|", h.Values))));
        Assert.Equal("Content-Type", Assert.Single(readResponse.ContentHeaders!).Name);
        Assert.Equal([9, 8, 7], readResponse.Body);
        Assert.Null(readNoContent.ContentHeaders);
        Assert.IsNotType<ByteArrayContent>(readNoContent.ToResponse().Content);
        Assert.Equal(new AlarmReply(45, true), readAlarm);
        Assert.Equal(new EventReceipt(46), readReceipt);
        Assert.Equal((44L, "object_error", false), (readFailed.Correlation, readFailed.Code, readFailed.IsRetryable));
        Assert.Equal(failed.Causes, readFailed.Causes);

        // The caller gets the same kind of error: object_error around the storage limit the edge answers 413.
        var target = _kit.IdFromName("counter", "x");
        var error = Assert.IsType<DurableObjectException>(readFailed.ToException(target));
        Assert.Equal(("object_error", "too big", target), (error.Code, error.Message, error.ObjectId));
        Assert.IsType<ValueTooLargeException>(error.InnerException);
        Assert.IsType<DeadlineExceededException>(FailedReply.From(1, new DeadlineExceededException("late", target)).ToException(target));
        Assert.IsType<InstantiationFailedException>(FailedReply.From(1, new InstantiationFailedException("no", null, target)).ToException(target));
        Assert.Equal("overloaded", Assert.IsType<OverloadedException>(FailedReply.From(1, new OverloadedException("full", target)).ToException(target)).Code);
        // A node that relayed the event to one that became unreachable passes the same 503 on.
        Assert.Equal("owner_unreachable", Assert.IsType<OwnerUnreachableException>(
            FailedReply.From(1, new OwnerUnreachableException("gone", target)).ToException(target)).Code);
    }

    [Fact]
    public void Unknown_manifests_versions_and_truncated_payloads_are_refused_with_a_clear_error()
    {
        var serializer = Serializer();
        var reply = serializer.ToBinary(new AlarmReply(1, true));

        var manifest = Assert.Throws<InvalidDataException>(() => serializer.FromBinary(reply, "Z"));
        reply[0] = 2;
        var version = Assert.Throws<InvalidDataException>(() => serializer.FromBinary(reply, "RA"));
        var truncated = Assert.Throws<InvalidDataException>(() => serializer.FromBinary([1, 0, 0], "RA"));

        Assert.Contains("unknown manifest 'Z'", manifest.Message);
        Assert.Contains("unknown version 2", version.Message);
        Assert.Contains("truncated (3 bytes)", truncated.Message);
    }

    [Fact]
    public async Task A_websocket_upgrade_without_a_socket_actor_is_not_written_and_its_fetch_fails_with_the_reason()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://durable-object/socket");
        request.Options.Set(WebSocketUpgrade.Key, new WebSocketUpgrade());
        var original = new FetchEvent(_kit.IdFromName("counter", "socket"), Runtime.Time.GetTimestamp(), request);
        Runtime.AdoptForwarded(original);

        Assert.Throws<SerializationException>(() => Serializer().ToBinary(original));

        var error = await Assert.ThrowsAsync<DurableObjectException>(() => original.Completion);
        Assert.Contains("this WebSocket upgrade has no socket actor to reach it from another node", error.Message);
        Assert.Equal(0, Remote.WaitingCount);
        Assert.True(SpinWait.SpinUntil(() => Runtime.InFlight == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_websocket_upgrade_crosses_with_its_socket_actor_and_id_and_its_answer_says_what_the_object_did()
    {
        var actor = Runtime.Objects!.System.ActorOf(global::Akka.Actor.Props.Empty);
        var upgrade = new WebSocketUpgrade(actor);
        var request = new HttpRequestMessage(HttpMethod.Get, "http://durable-object/socket");
        request.Options.Set(WebSocketUpgrade.Key, upgrade);
        var original = new FetchEvent(_kit.IdFromName("counter", "socket"), Runtime.Time.GetTimestamp(), request);
        Runtime.AdoptForwarded(original);

        var copy = Assert.IsType<FetchEvent>(RoundTrip(original));
        var remote = Assert.IsType<WebSocketUpgrade>(WebSocketUpgrade.Of(copy.Request));
        Assert.Equal((true, actor, upgrade.SocketId), (remote.IsRemote, remote.Actor, remote.SocketId));
        Assert.False(upgrade.IsRemote);

        // The owner accepted with tags: the caller's marker learns them from the answer, and the reserved header is gone.
        var reply = new FetchReply(1, 101, null, HttpVersion.Version11, [new RemoteHeader("X-Keep", ["v"]), new RemoteHeader(UpgradeOutcome.Accepted, ["a", "b"])], null, []);
        var taken = UpgradeOutcome.Take(reply, original);
        Assert.Equal(["a", "b"], upgrade.AcceptedRemotely!);
        Assert.True(upgrade.IsAccepted);
        Assert.Equal(["X-Keep"], taken.Headers.Select(h => h.Name));
        copy.TryFail(new DurableObjectException("not run in this test", null, copy.Target));
        original.TryFail(new DurableObjectException("not run in this test", null, original.Target));
    }

    private SerializerWithStringManifest Serializer() =>
        (SerializerWithStringManifest)Runtime.Objects!.System.Serialization.FindSerializerForType(typeof(FetchEvent));

    private (SerializerWithStringManifest Serializer, string Manifest, byte[] Bytes) Write(object message)
    {
        var serializer = Assert.IsType<ObjectEventSerializer>(Runtime.Objects!.System.Serialization.FindSerializerFor(message));
        return (serializer, serializer.Manifest(message), serializer.ToBinary(message));
    }

    private object RoundTrip(object message)
    {
        var (serializer, manifest, bytes) = Write(message);
        return serializer.FromBinary(bytes, manifest);
    }
}
