using System.Globalization;
using System.Net;

namespace Durable.Cluster.Tests;

/// <summary>POST /increment → new value; GET / → value; POST /alarm?ms=N; GET /alarms → alarms fired.</summary>
public sealed class TestCounter(DurableObjectState state, TimeProvider time) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        switch (request.RequestUri!.AbsolutePath)
        {
            case "/increment":
                var value = await state.Storage.GetAsync<long>("value") + 1;
                await state.Storage.PutAsync("value", value);
                return Text(value);
            case "/alarm":
                var ms = long.Parse(request.RequestUri.Query.Split('=')[1], CultureInfo.InvariantCulture);
                await state.Storage.SetAlarmAsync(time.GetUtcNow().AddMilliseconds(ms));
                return new HttpResponseMessage(HttpStatusCode.Accepted);
            case "/alarms":
                return Text(await state.Storage.GetAsync<long>("alarms"));
            default:
                return Text(await state.Storage.GetAsync<long>("value"));
        }
    }

    public override async Task AlarmAsync(AlarmInfo alarm) =>
        await state.Storage.PutAsync("alarms", await state.Storage.GetAsync<long>("alarms") + 1);

    private static HttpResponseMessage Text(long value) => new(HttpStatusCode.OK) { Content = new StringContent(value.ToString(CultureInfo.InvariantCulture)) };
}
