using Durable.Hosting;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Storage;

/// <summary>One node's object runtime over a given storage provider, serving <see cref="ScriptObject"/> as "script".</summary>
public sealed class TestRuntime : IAsyncDisposable
{
    public const string Secret = "storage-tests-id-secret-0123456789";
    private readonly ServiceProvider _services;
    private readonly DurableObjectNamespace _namespace;

    private TestRuntime(ServiceProvider services, ObjectRuntime runtime)
    {
        _services = services;
        Runtime = runtime;
        _namespace = services.GetDurableObjectNamespace("script");
    }

    internal ObjectRuntime Runtime { get; }

    public IDurableStorageProvider Provider => Runtime.Storage;

    public static async Task<TestRuntime> StartAsync(IDurableStorageProvider provider, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null) services.AddSingleton(time);
        services.Configure<DurableIdOptions>(o => o.Secret = Secret);
        services.AddDurableObjects(o => o.AddNamespace<ScriptObject>("script")).UseStorage(_ => provider);
        var built = services.BuildServiceProvider();
        var runtime = built.GetRequiredService<ObjectRuntime>();
        await runtime.StartAsync(CancellationToken.None);
        return new TestRuntime(built, runtime);
    }

    public ObjectKey KeyOf(string name) => ObjectKey.For(_namespace.IdFromName(name));

    /// <summary>Runs <paramref name="script"/> as one event of object <paramref name="name"/>; returns once its writes are durable.</summary>
    public async Task<T> RunAsync<T>(string name, Func<DurableObjectStorage, Task<T>> script)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Options.Set(ScriptObject.Script, async storage => await script(storage));
        using var response = await _namespace.GetByName(name).FetchAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        return response.RequestMessage!.Options.TryGetValue(ScriptObject.Result, out var result) ? (T)result! : default!;
    }

    public Task RunAsync(string name, Func<DurableObjectStorage, Task> script) =>
        RunAsync<object?>(name, async storage =>
        {
            await script(storage);
            return null;
        });

    /// <summary>Runs a script expected to fail; returns the error the caller sees.</summary>
    public async Task<Exception> FailAsync(string name, Func<DurableObjectStorage, Task> script)
    {
        try
        {
            await RunAsync(name, script);
        }
        catch (Exception error)
        {
            return error;
        }
        throw new Xunit.Sdk.XunitException($"The script on object '{name}' was expected to fail but succeeded.");
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
