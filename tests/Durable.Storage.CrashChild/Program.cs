// Usage: Durable.Storage.CrashChild alarms <sqlite path> <objects> (set|set-paced|serve): objects as sharded persistent
// actors journaling to the SQLite file, alarms indexed in alarm books.
// set: object "a{i}" sets an alarm due 1-3 s from now and the child prints "set a{i}" once that is durable.
// set-paced: the same, at most 16 sets at a time (so a kill lands while sets are in flight).
// Both modes then serve alarms until killed; every run of an alarm handler prints "fired a{i}" as it starts (a run
// whose commit is lost in a crash runs again after the restart, and prints again).
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

if (args[0] == "alarms")
{
    await AlarmMode.RunAsync(args[1], int.Parse(args[2]), args[3]);
    return;
}

throw new ArgumentException($"Unknown mode '{args[0]}'; the modes are akka and alarms.");

internal static class AlarmMode
{
    public static readonly Lock Output = new();

    public static async Task RunAsync(string path, int objects, string mode)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<DurableIdOptions>(o => o.Secret = "crash-child-id-secret-0123456789");
        var durable = builder.Services.AddDurableObjects(o =>
        {
            o.AddNamespace<Alarmed>("alarmed");
            o.MaxInFlightEventsPerNode = 100_000;
        });
        durable.UseAkkaObjects(ObjectJournal.Sqlite(_ => path));
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
