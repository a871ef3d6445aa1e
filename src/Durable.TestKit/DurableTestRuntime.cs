using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Durable.Hosting;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.TestKit;

/// <summary>
/// An in-process durable object runtime for specs of objects: virtual time that fires idle passivation, deadlines and
/// alarms only when the test advances it (<see cref="VirtualClock"/>, and Akka's TestScheduler in lockstep), a fault-injecting journal (<see cref="Journal"/>), and helpers to call objects and read their durable state.
/// <code>
/// await using var kit = await DurableTestRuntime.StartAsync(o => o.AddNamespace&lt;Counter&gt;("counter"));
/// var response = await kit.SendAsync("counter", "a", HttpMethod.Post, "/increment");
/// </code>
/// </summary>
public sealed class DurableTestRuntime : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ObjectRuntime _runtime;
    private readonly IHost _host;
    private readonly AkkaSpecEngine _akka;
    private readonly MeterListener _meters;
    private readonly Tally _resets = new();
    private bool _stopped;

    private DurableTestRuntime(ServiceProvider services, VirtualClock clock, IHost host, AkkaSpecEngine akka)
    {
        _host = host;
        _akka = akka;
        _services = services;
        _runtime = services.GetRequiredService<ObjectRuntime>();
        Clock = clock;
        Namespaces = services.GetRequiredService<DurableObjectNamespaces>();
        // Resets, as the runtime's own metric counts them (this runtime's meters only).
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name == "durable.resets")
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) => _resets.Add(value));
        _meters.Start();
    }

    public VirtualClock Clock { get; }

    /// <summary>
    /// The journal's faults and counters: make the next write fail or be rejected, hold writes or loads, wait for them.
    /// Present on the default (test) journal.
    /// </summary>
    public JournalFaults Journal =>
        _akka.Faults ?? throw new InvalidOperationException("This runtime journals to a plugin of its own, which injects no faults.");

    public IServiceProvider Services => _services;

    public DurableObjectNamespaces Namespaces { get; }

    /// <summary>How many objects are active (not passivated) right now.</summary>
    public int ActiveCount => _runtime.ActiveCount;

    internal ObjectRuntime Runtime => _runtime;

    /// <summary>
    /// Starts a runtime whose objects are sharded persistent actors on Akka.NET (a cluster of one on loopback) under
    /// virtual time: Akka's TestScheduler moves only with <see cref="AdvanceAsync"/>. Objects journal to
    /// Akka.Persistence.TestKit's journal and snapshot store (in memory, faults through <see cref="Journal"/>), or to
    /// <paramref name="journal"/>. Returns once the node is Up and its shard regions are registered.
    /// </summary>
    public static async Task<DurableTestRuntime> StartAsync(
        Action<DurableObjectsOptions> configure,
        ObjectJournal? journal = null,
        Action<IServiceCollection>? services = null,
        VirtualClock? clock = null)
    {
        clock ??= new VirtualClock();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddDurableObjects(configure).UseAkkaObjects(AkkaSpecEngine.Configure(journal, out var faults));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        try
        {
            var akka = await AkkaSpecEngine.StartAsync(host.Services, faults);
            return new DurableTestRuntime((ServiceProvider)host.Services, clock, host, akka);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public DurableObjectNamespace Namespace(string name) => Namespaces.Get(name);

    public DurableObjectStub Stub(string @namespace, string name) => Namespace(@namespace).GetByName(name);

    public DurableObjectId IdFromName(string @namespace, string name) => Namespace(@namespace).IdFromName(name);

    /// <summary>Sends one request to the object named <paramref name="name"/>.</summary>
    public Task<HttpResponseMessage> SendAsync(string @namespace, string name, HttpMethod method, string path, HttpContent? content = null) =>
        Stub(@namespace, name).FetchAsync(new HttpRequestMessage(method, path) { Content = content });

    /// <summary>Sends a request and returns the body of a successful response as text.</summary>
    public async Task<string> SendForStringAsync(string @namespace, string name, HttpMethod method, string path, HttpContent? content = null)
    {
        using var response = await SendAsync(@namespace, name, method, path, content);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{method} {path} on {@namespace}/{name} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>Sends a request and reads a successful response's JSON body.</summary>
    public async Task<T?> SendForJsonAsync<T>(string @namespace, string name, HttpMethod method, string path, HttpContent? content = null)
    {
        using var response = await SendAsync(@namespace, name, method, path, content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>();
    }

    /// <summary>
    /// Moves the virtual clock and waits for what the moved time set off: passivations, deadline failures, and alarm
    /// handlers with their commits and retry bookkeeping.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        _akka.Advance(by);
        // What fired may arm timers that are already due (a retry scheduled from a completion that ran after the
        // clock moved on); fire those too, at the current time, until nothing is due.
        for (var round = 0; round < 1000; round++)
        {
            await _akka.SettleAsync();
            _akka.Advance(TimeSpan.Zero);
            await _akka.SettleAsync();
            // The alarm books: attempts ended and recorded, their timers armed again.
            if (_runtime.Objects is { } objects) await objects.Books.WhenIdleAsync();
            if (!Clock.HasDueTimers) return;
            Clock.Advance(TimeSpan.Zero);
        }
        throw new InvalidOperationException("Timers kept coming due after 1,000 rounds at one virtual instant.");
    }

    /// <summary>How many times an object was reset (a failed commit, a crash, a failed critical section) on this runtime.</summary>
    public long ResetCount => _resets.Value;

    /// <summary>Completes once objects were reset <paramref name="count"/> times in all on this runtime.</summary>
    public Task WaitForResetsAsync(int count) => _resets.WhenAtLeast(count);

    /// <summary>
    /// The due times in the object's alarm book that will still fire (exhausted entries left out). A book
    /// may briefly hold a time the object never committed (its commit failed); it is dropped, unrun, when it comes due.
    /// </summary>
    public async Task<IReadOnlyList<DateTimeOffset>> AlarmBookEntriesAsync(DurableObjectId id) =>
        _runtime.Objects is { } objects
            ? [.. (await objects.Books.GetAsync(id)).Where(e => !e.IsExhausted).Select(e => e.Due)]
            : throw new InvalidOperationException("The runtime has not started.");

    /// <summary>True when the object has a running actor on this runtime.</summary>
    public bool IsActive(DurableObjectId id) => _runtime.IsActive(id);

    /// <summary>The object's committed journal events, in order, read from the journal.</summary>
    public Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(DurableObjectId id) => _akka.ReadJournalAsync(id);

    private async Task<ObjectData> ReadDurableDataAsync(DurableObjectId id)
    {
        var data = new ObjectData(ObjectKey.For(id));
        foreach (var e in await _akka.ReadJournalAsync(id)) data.Apply(e);
        return data;
    }

    /// <summary>The object's durable (committed) value of <paramref name="key"/>, read from the journal, not the cache.</summary>
    public async Task<T?> ReadDurableAsync<T>(DurableObjectId id, string key)
    {
        var data = await ReadDurableDataAsync(id);
        if (!data.Entries.TryGet(key, out var value)) return default;
        return value.Kind == StoredValueKind.Bytes
            ? (T)(object)value.Data
            : System.Text.Json.JsonSerializer.Deserialize<T>(value.Data, _runtime.Options.Json);
    }

    /// <summary>The object's durable keys in order.</summary>
    public async Task<IReadOnlyList<string>> ReadDurableKeysAsync(DurableObjectId id)
    {
        var data = await ReadDurableDataAsync(id);
        return data.Entries.Entries().Select(e => e.Key).ToList();
    }

    /// <summary>Stops gracefully: in-flight events finish, writes commit, objects passivate.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        // The runtime drains first, with time standing still; then the host stops Akka, whose shutdown steps (handoff,
        // leaving the cluster) wait on Akka timers.
        await _runtime.StopAsync(CancellationToken.None);
        await _akka.RunWithTimeMovingAsync(() => _host.StopAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _meters.Dispose();
        await _runtime.DisposeAsync();
        _host.Dispose();
    }
}
