using System.Net.Http.Json;
using Durable.Hosting;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.TestKit;

/// <summary>
/// An in-process durable object runtime for specs of objects: a <see cref="VirtualClock"/> that fires idle passivation,
/// deadlines and alarms only when the test advances it, a fault-injecting in-memory <see cref="TestStorage"/>, and helpers
/// to call objects and read their durable state.
/// <code>
/// await using var kit = await DurableTestRuntime.StartAsync(o => o.AddNamespace&lt;Counter&gt;("counter"));
/// var response = await kit.SendAsync("counter", "a", HttpMethod.Post, "/increment");
/// </code>
/// </summary>
public sealed class DurableTestRuntime : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ObjectRuntime _runtime;
    private readonly IHost? _host;
    private bool _stopped;

    private DurableTestRuntime(ServiceProvider services, VirtualClock clock, IDurableStorageProvider storage, IHost? host = null)
    {
        _host = host;
        _services = services;
        _runtime = services.GetRequiredService<ObjectRuntime>();
        Clock = clock;
        StorageProvider = storage;
        Namespaces = services.GetRequiredService<DurableObjectNamespaces>();
    }

    public VirtualClock Clock { get; }

    /// <summary>The storage provider in use (a <see cref="TestStorage"/> unless the test passed another).</summary>
    public IDurableStorageProvider StorageProvider { get; }

    /// <summary>The fault-injecting store, when the runtime uses one.</summary>
    public TestStorage Storage => StorageProvider as TestStorage
        ?? throw new InvalidOperationException($"This runtime uses {StorageProvider.GetType().Name}, not TestStorage.");

    public IServiceProvider Services => _services;

    public DurableObjectNamespaces Namespaces { get; }

    /// <summary>How many objects are active (not passivated) right now.</summary>
    public int ActiveCount => _runtime.ActiveCount;

    internal ObjectRuntime Runtime => _runtime;

    /// <summary>Starts a runtime. <paramref name="storage"/> lets several runtimes share one store (a restart, or two
    /// nodes); <paramref name="services"/> adds the objects' own dependencies or overrides options.</summary>
    public static async Task<DurableTestRuntime> StartAsync(
        Action<DurableObjectsOptions> configure,
        Action<IServiceCollection>? services = null,
        IDurableStorageProvider? storage = null,
        VirtualClock? clock = null)
    {
        clock ??= new VirtualClock();
        storage ??= new TestStorage(clock);
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(clock);
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        collection.AddDurableObjects(configure).UseStorage(storage);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var kit = new DurableTestRuntime(provider, clock, storage);
        await kit._runtime.StartAsync(CancellationToken.None);
        return kit;
    }

    /// <summary>
    /// Starts a runtime whose objects are sharded persistent actors on Akka.NET (a cluster of one on loopback),
    /// journaling through <paramref name="journal"/>; returns once the node is Up.
    /// </summary>
    public static async Task<DurableTestRuntime> StartOnAkkaAsync(
        Action<DurableObjectsOptions> configure,
        ObjectJournal journal,
        Action<IServiceCollection>? services = null,
        VirtualClock? clock = null)
    {
        clock ??= new VirtualClock();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddDurableObjects(configure).UseAkkaObjects(journal);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        var kit = new DurableTestRuntime((ServiceProvider)host.Services, clock, host.Services.GetRequiredService<IDurableStorageProvider>(), host);
        await kit._runtime.Objects!.WhenUpAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return kit;
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
        // What fired may arm timers that are already due (a retry scheduled from a completion that ran after the
        // clock moved on); fire those too, at the current time, until nothing is due.
        for (var round = 0; round < 1000; round++)
        {
            await _runtime.Collector.WhenSweepsDoneAsync();
            await _runtime.Alarms.WhenIdleAsync();
            // The Akka engine's alarm books: attempts ended and recorded, their timers armed again.
            if (_runtime.Objects is { } objects) await objects.Books.WhenIdleAsync();
            if (!Clock.HasDueTimers) return;
            Clock.Advance(TimeSpan.Zero);
        }
        throw new InvalidOperationException("Timers kept coming due after 1,000 rounds at one virtual instant.");
    }

    /// <summary>How many objects have an alarm scheduled (retries included) on this runtime.</summary>
    public int ScheduledAlarmCount => _runtime.Alarms.Count;

    /// <summary>True when the object has a live activation on this runtime.</summary>
    public bool IsActive(DurableObjectId id) => _runtime.FindActivation(id) is { Status: ActivationStatus.Active or ActivationStatus.Loading };

    /// <summary>The object's durable (committed) value of <paramref name="key"/>, read from the store, not the cache.</summary>
    public async Task<T?> ReadDurableAsync<T>(DurableObjectId id, string key)
    {
        var data = await StorageProvider.LoadAsync(ObjectKey.For(id), CancellationToken.None);
        if (!data.Entries.TryGet(key, out var value)) return default;
        return value.Kind == StoredValueKind.Bytes
            ? (T)(object)value.Data
            : System.Text.Json.JsonSerializer.Deserialize<T>(value.Data, _runtime.Options.Json);
    }

    /// <summary>The object's durable keys in order.</summary>
    public async Task<IReadOnlyList<string>> ReadDurableKeysAsync(DurableObjectId id)
    {
        var data = await StorageProvider.LoadAsync(ObjectKey.For(id), CancellationToken.None);
        return data.Entries.Entries().Select(e => e.Key).ToList();
    }

    /// <summary>Stops gracefully: in-flight events finish, writes commit, objects passivate.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        if (_host is null) await _runtime.StopAsync(CancellationToken.None);
        else await _host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _runtime.DisposeAsync();
        if (_host is not null) _host.Dispose();
        else await _services.DisposeAsync();
    }
}
