// Usage: Durable.Storage.CrashChild (sqlite <path> | postgres <connection string>) <objects>
// Each object "w{i}" commits batch after batch; batch n puts n/{n}/a, n/{n}/b, n/{n}/c and last = n in one turn.
// After a batch is acknowledged (its response arrived, so it is durable) the child prints "ack w{i} {n}".
// A failed write (e.g. the database restarting) is retried; it runs until it is killed.
using System.Net;
using Durable;
using Durable.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
