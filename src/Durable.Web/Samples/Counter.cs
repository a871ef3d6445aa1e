using System.Net;

namespace Durable.Web.Samples;

/// <summary>
/// The counter sample: <c>GET /</c> value, <c>POST /increment?by=N</c> new value, <c>GET /alarms</c> how many alarms
/// fired, <c>DELETE /</c> clears everything.
/// </summary>
public sealed class Counter(DurableObjectState state) : DurableObject
{
    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => SampleRequest.Guard(async () =>
    {
        var path = request.Path();
        var method = request.Method;
        switch (path)
        {
            case "/" when method == HttpMethod.Get:
                return SampleRequest.Text((await state.Storage.GetAsync<long>("value")).ToString());
            case "/" when method == HttpMethod.Delete:
                await state.Storage.DeleteAllAsync();
                return new HttpResponseMessage(HttpStatusCode.NoContent);
            case "/increment" when method == HttpMethod.Post:
                var by = request.QueryInt64("by") ?? 1;
                var value = checked(await state.Storage.GetAsync<long>("value") + by);
                await state.Storage.PutAsync("value", value);
                return SampleRequest.Text(value.ToString());
            case "/alarms" when method == HttpMethod.Get:
                return SampleRequest.Text((await state.Storage.GetAsync<long>("alarms")).ToString());
            case "/" or "/increment" or "/alarms":
                return ErrorResponse.MethodNotAllowed(method, path);
            default:
                return ErrorResponse.NotFound($"The counter has no route {path}.");
        }
    });

    public override async Task AlarmAsync(AlarmInfo alarm) =>
        await state.Storage.PutAsync("alarms", await state.Storage.GetAsync<long>("alarms") + 1);
}
