// Usage: Durable.Storage.CrashChild (sqlite <path> | postgres <connection string>) <objects>
// Each object "w{i}" commits batch after batch; batch n puts n/{n}/a, n/{n}/b, n/{n}/c and last = n in one turn.
// After a batch is acknowledged (its response arrived, so it is durable) the child prints "ack w{i} {n}".
// A failed write (e.g. the database restarting) is retried; it runs until it is killed.
//
// Usage: Durable.Storage.CrashChild alarms <sqlite path> <objects> (set|serve)
// set: object "a{i}" sets an alarm due 1-3 s from now and the child prints "set a{i}" once that is durable.
// set-paced: the same, at most 16 sets at a time (so a kill lands while sets are in flight).
// Both modes then serve alarms until killed; every run of an alarm handler prints "fired a{i}" as it starts (a run
// whose commit is lost in a crash runs again after the restart, and prints again).
//
// Usage: Durable.Storage.CrashChild akka-alarms <sqlite path> <objects> (set|serve): the same on the Akka engine (objects
// as sharded persistent actors journaling to the SQLite file, alarms indexed in alarm books).
//
// Usage: Durable.Storage.CrashChild akka <prefix> <objects> <plugin> <plugin arguments...>: persistent actors writing
// through an Akka.Persistence plugin; see AkkaPersistenceMode.cs.
using System.Net;
using Durable;
using Durable.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args[0] == "akka")
{
    await Durable.Storage.CrashChild.AkkaPersistenceMode.RunAsync(args);
    return;
}

if (args[0] is "alarms" or "akka-alarms")
{
    await AlarmMode.RunAsync(args[1], int.Parse(args[2]), args[3], akka: args[0] == "akka-alarms");
    return;
}

var services = new ServiceCollection();
services.Configure<DurableIdOptions>(o => o.Secret = "crash-child-id-secret-0123456789");
var builder = services.AddDurableObjects(o => o.AddNamespace<Writer>("writer"));
if (args[0] == "sqlite") builder.UseSqliteStorage(args[1]);
else builder.UsePostgresStorage(args[1]);
await using var provider = services.BuildServiceProvider();
foreach (var hosted in provider.GetServices<IHostedService>()) await hosted.StartAsync(CancellationToken.None);
var writers = provider.GetDurableObjectNamespace("writer");
var output = Console.Out;
var gate = new Lock();
Console.WriteLine("ready");

await Task.WhenAll(Enumerable.Range(0, int.Parse(args[2])).Select(async i =>
{
    var stub = writers.GetByName($"w{i}");
    while (true)
    {
        try
        {
            using var response = await stub.FetchAsync(new HttpRequestMessage(HttpMethod.Post, "/"));
            var n = await response.Content.ReadAsStringAsync();
            lock (gate)
            {
                output.WriteLine($"ack w{i} {n}");
                output.Flush();
            }
        }
        catch (DurableObjectException)
        {
            await Task.Delay(50);
        }
    }
}));

internal sealed class Writer(DurableObjectState state) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var n = await state.Storage.GetAsync<long>("last") + 1;
        await state.Storage.PutAsync(new Dictionary<string, long> { [$"n/{n}/a"] = n, [$"n/{n}/b"] = n, [$"n/{n}/c"] = n, ["last"] = n });
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(n.ToString()) };
    }
}

internal static class AlarmMode
{
    public static readonly Lock Output = new();

    public static async Task RunAsync(string path, int objects, string mode, bool akka)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<DurableIdOptions>(o => o.Secret = "crash-child-id-secret-0123456789");
        var durable = builder.Services.AddDurableObjects(o =>
        {
            o.AddNamespace<Alarmed>("alarmed");
            o.MaxInFlightEventsPerNode = 100_000;
        });
        if (akka) durable.UseAkkaObjects(ObjectJournal.Sqlite(_ => path));
        else durable.UseSqliteStorage(path);
        using var host = builder.Build();
        await host.StartAsync();
        Print("ready");
        if (mode is "set" or "set-paced")
        {
            var ns = host.Services.GetDurableObjectNamespace("alarmed");
            using var pace = new SemaphoreSlim(mode == "set-paced" ? 16 : objects);
            await Task.WhenAll(Enumerable.Range(0, objects).Select(async i =>
            {
                await pace.WaitAsync();
                try
                {
                    using var response = await ns.GetByName($"a{i}").FetchAsync(new HttpRequestMessage(HttpMethod.Post, $"/?{1000 + i * 2000 / objects}"));
                    Print($"set a{i}");
                }
                finally
                {
                    pace.Release();
                }
            }));
        }
        await Task.Delay(Timeout.Infinite);
    }

    public static void Print(string line)
    {
        lock (Output)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}

internal sealed class Alarmed(DurableObjectState state) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        await state.Storage.SetAlarmAsync(DateTimeOffset.UtcNow.AddMilliseconds(int.Parse(request.RequestUri!.Query.TrimStart('?'))));
        // An object woken by its alarm after a restart was reached by id, not name: keep the name in storage.
        await state.Storage.PutAsync("name", state.Name);
        return new HttpResponseMessage(HttpStatusCode.Accepted);
    }

    public override async Task AlarmAsync(AlarmInfo alarm)
    {
        AlarmMode.Print($"fired {await state.Storage.GetAsync<string>("name")}");
        await state.Storage.PutAsync("fired", await state.Storage.GetAsync<int>("fired") + 1);
    }
}
