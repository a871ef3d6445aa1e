using System.Net;

namespace Durable.Web.Samples;

/// <summary>
/// The counter sample: <c>GET /</c> value, <c>POST /increment?by=N</c> new value, <c>GET /alarms</c> how many alarms
/// fired, <c>POST /alarm?ms=N</c> sets an alarm N ms after the request arrived (202 <c>{"scheduledTime": epoch ms}</c>),
/// <c>DELETE /</c> clears everything, alarm included.
/// </summary>
public sealed class Counter(DurableObjectState state, TimeProvider time) : DurableObject
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
            case "/alarm" when method == HttpMethod.Post:
                var ms = request.QueryInt64("ms") ?? throw new BadInputException("Query parameter 'ms' is required.");
                if (ms is < 0 or > 10L * 365 * 24 * 3600 * 1000)
                    throw new BadInputException($"Query parameter 'ms' must be between 0 and ten years in milliseconds; got {ms}.");
                var scheduled = time.GetUtcNow().AddMilliseconds(ms);
                await state.Storage.SetAlarmAsync(scheduled);
                return SampleRequest.Json(new { scheduledTime = scheduled.ToUnixTimeMilliseconds() }, HttpStatusCode.Accepted);
            case "/alarms" when method == HttpMethod.Get:
                return SampleRequest.Text((await state.Storage.GetAsync<long>("alarms")).ToString());
            case "/":
                return ErrorResponse.MethodNotAllowed(method, path, HttpMethod.Get, HttpMethod.Delete);
            case "/increment" or "/alarm":
                return ErrorResponse.MethodNotAllowed(method, path, HttpMethod.Post);
            case "/alarms":
                return ErrorResponse.MethodNotAllowed(method, path, HttpMethod.Get);
            default:
                return ErrorResponse.NotFound($"The counter has no route {path}.");
        }
    });

    public override async Task AlarmAsync(AlarmInfo alarm) =>
        await state.Storage.PutAsync("alarms", await state.Storage.GetAsync<long>("alarms") + 1);
}
