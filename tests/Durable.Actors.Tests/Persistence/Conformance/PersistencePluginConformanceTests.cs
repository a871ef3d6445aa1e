using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Persistence;
using Xunit.Abstractions;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>
/// What every journal and snapshot store plugin of Durable must do, modeled on Akka's persistence TCK (JournalSpec,
/// SnapshotStoreSpec) but written here: ordered replay within bounds, the highest sequence number surviving deletes,
/// snapshots by criteria, all-or-nothing atomic writes, rejected versus failed writes, a second writer of one
/// persistence id storing nothing, a long replay, acknowledged writes surviving a SIGKILL, and the read journal.
/// A plugin joins by a fixture (<see cref="IPersistencePluginFixture"/>) and a sealed subclass. Every test runs on its
/// own actor system (configured through Akka.Hosting) and its own persistence ids.
/// </summary>
public abstract partial class PersistencePluginConformanceTests<TFixture>(TFixture plugin, ITestOutputHelper output)
    : IClassFixture<TFixture>, IAsyncLifetime where TFixture : class, IPersistencePluginFixture
{
    /// <summary>For one message from the plugin; generous, since two cores are shared by several test runs.</summary>
    protected static readonly TimeSpan Reply = TimeSpan.FromSeconds(30);

    private AkkaTestHost? _host;
    private AkkaTestKit? _kit;

    protected TFixture Plugin { get; } = plugin;

    protected ITestOutputHelper Output { get; } = output;

    protected AkkaTestKit Kit => _kit ?? throw new InvalidOperationException("The actor system is not started.");

    protected ActorSystem Sys => Kit.Sys;

    protected IActorRef Journal => Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);

    protected IActorRef SnapshotStore => Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);

    /// <summary>A persistence id no other test uses.</summary>
    protected static string NewPersistenceId(string name) => $"{name}-{Guid.NewGuid():n}";

    public async Task InitializeAsync()
    {
        _host = await StartSystemAsync();
        _kit = new AkkaTestKit(_host.System, Output);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        _kit?.Dispose();
    }

    /// <summary>An actor system on the plugin's database, with <see cref="Unserializable"/> bound to a refusing serializer.</summary>
    private protected Task<AkkaTestHost> StartSystemAsync() => AkkaTestHost.StartAsync("conformance", builder =>
    {
        Plugin.Configure(builder);
        builder.WithCustomSerializer("conformance-refusing", [typeof(Unserializable)], system => new RefusingSerializer(system));
    });

    /// <summary>
    /// Runs one case. If the fixture lists it in <see cref="IPersistencePluginFixture.KnownLimitations"/>, the case must
    /// still fail (the reason goes to the test output); a pass then fails the test, so a fixed plugin gets noticed.
    /// </summary>
    protected async Task ConformAsync(Func<Task> body, [CallerMemberName] string name = "")
    {
        if (!Plugin.KnownLimitations.TryGetValue(name, out var reason))
        {
            await body();
            return;
        }
        var violation = await Record.ExceptionAsync(body);
        Assert.True(violation is not null, $"{name} is listed as a known limitation of the plugin ({reason}), but it passed: remove it from the fixture.");
        Output.WriteLine($"Known limitation of the plugin, still present: {reason}. It fails with: {violation.Message}");
    }

    // ---- the journal protocol, as a persistent actor speaks it ----

    protected static Persistent Event(string persistenceId, long sequenceNr, object payload, string writerGuid = "writer-1") =>
        new(payload, sequenceNr, persistenceId, sender: ActorRefs.NoSender, writerGuid: writerGuid);

    /// <summary>One atomic write of events <paramref name="from"/>..<paramref name="to"/>, payloads "e-{n}".</summary>
    protected static AtomicWrite Atomic(string persistenceId, long from, long to, string writerGuid = "writer-1") =>
        new(Enumerable.Range(0, (int)(to - from + 1)).Select(i => (IPersistentRepresentation)Event(persistenceId, from + i, $"e-{from + i}", writerGuid)).ToImmutableList());

    protected void SendWrites(params AtomicWrite[] writes) => Journal.Tell(new WriteMessages(writes, Kit.TestActor, 1));

    /// <summary>Writes events <paramref name="from"/>..<paramref name="to"/> one atomic write each, and awaits every success.</summary>
    protected Task WriteAsync(string persistenceId, long from, long to) =>
        WriteAndConfirmAsync(Enumerable.Range((int)from, (int)(to - from + 1)).Select(n => Atomic(persistenceId, n, n)).ToArray());

    protected async Task WriteAndConfirmAsync(params AtomicWrite[] writes)
    {
        SendWrites(writes);
        await Kit.ExpectMsgAsync<WriteMessagesSuccessful>(Reply, "the batch was not confirmed");
        foreach (var write in writes)
            foreach (var persistent in (IEnumerable<IPersistentRepresentation>)write.Payload)
            {
                var success = await Kit.ExpectMsgAsync<WriteMessageSuccess>(Reply, $"no success for {persistent.PersistenceId} #{persistent.SequenceNr}");
                Assert.Equal(persistent.SequenceNr, success.Persistent.SequenceNr);
            }
    }

    /// <summary>Replays through the journal and returns the replayed sequence numbers and payloads, and the highest sequence number.</summary>
    protected async Task<(List<(long SequenceNr, object Payload)> Events, long Highest)> ReplayAsync(
        string persistenceId, long from = 1, long to = long.MaxValue, long max = long.MaxValue, TimeSpan? timeout = null)
    {
        Journal.Tell(new ReplayMessages(from, to, max, persistenceId, Kit.TestActor));
        var events = new List<(long, object)>();
        while (true)
        {
            var message = await Kit.ExpectMsgAsync<object>(timeout ?? Reply, $"replay of {persistenceId} after {events.Count} events");
            switch (message)
            {
                case ReplayedMessage replayed:
                    Assert.Equal(persistenceId, replayed.Persistent.PersistenceId);
                    events.Add((replayed.Persistent.SequenceNr, replayed.Persistent.Payload));
                    break;
                case RecoverySuccess success:
                    return (events, success.HighestSequenceNr);
                case ReplayMessagesFailure failure:
                    throw new Xunit.Sdk.XunitException($"replay of {persistenceId} failed: {failure.Cause}");
                default:
                    throw new Xunit.Sdk.XunitException($"replay of {persistenceId}: unexpected {message}");
            }
        }
    }

    protected async Task<long> HighestSequenceNrAsync(string persistenceId) => (await ReplayAsync(persistenceId, from: 0, to: 0)).Highest;

    protected async Task<long[]> ReplayedSequenceNrsAsync(string persistenceId, long from = 1, long to = long.MaxValue, long max = long.MaxValue) =>
        (await ReplayAsync(persistenceId, from, to, max)).Events.Select(e => e.SequenceNr).ToArray();

    protected static long[] Range(long from, long to) => Enumerable.Range((int)from, (int)(to - from + 1)).Select(n => (long)n).ToArray();

    protected async Task DeleteToAsync(string persistenceId, long toSequenceNr)
    {
        Journal.Tell(new DeleteMessagesTo(persistenceId, toSequenceNr, Kit.TestActor));
        var success = await Kit.ExpectMsgAsync<DeleteMessagesSuccess>(Reply, $"delete of {persistenceId} to {toSequenceNr}");
        Assert.Equal(toSequenceNr, success.ToSequenceNr);
    }
}
