using System.Globalization;

namespace Durable.Actors.Tests.Objects;

/// <summary>
/// Sets, reads and deletes its alarm over fetch; its handler records each attempt (retry count and what GetAlarmAsync
/// said) and fails while the probe's "alarm.failures" budget lasts.
/// </summary>
public sealed class AlarmObject(DurableObjectState state, Probe probe, TimeProvider time) : DurableObject
{
    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var query = request.RequestUri.Query.TrimStart('?');
        switch (path)
        {
            case "/set":
                await state.Storage.SetAlarmAsync(time.GetUtcNow().AddSeconds(double.Parse(query, CultureInfo.InvariantCulture)));
                return TestCounter.Text("set");
            case "/set-then-fail":
                await state.Storage.SetAlarmAsync(time.GetUtcNow().AddSeconds(1));
                throw new InvalidOperationException("fetch failed after setting an alarm");
            case "/delete":
                await state.Storage.DeleteAlarmAsync();
                return TestCounter.Text("deleted");
            case "/delete-all":
                await state.Storage.DeleteAllAsync();
                return TestCounter.Text("deleted all");
            case "/get":
                var alarm = await state.Storage.GetAlarmAsync();
                return TestCounter.Text(alarm is { } a ? (a - time.GetUtcNow()).TotalSeconds.ToString(CultureInfo.InvariantCulture) : "none");
            case "/attempts":
                return TestCounter.Text(string.Join(",", await state.Storage.GetAsync<List<string>>("attempts") ?? []));
            default:
                return TestCounter.Text("?");
        }
    }

    public override async Task AlarmAsync(AlarmInfo alarm)
    {
        var attempts = await state.Storage.GetAsync<List<string>>("attempts") ?? [];
        var seen = await state.Storage.GetAlarmAsync();
        attempts.Add($"{alarm.RetryCount}{(alarm.IsRetry ? "r" : "")}@{time.GetUtcNow():mm:ss}{(seen is null ? "" : "!")}");
        await state.Storage.PutAsync("attempts", attempts);
        probe.Bump("alarm.runs");
        if (probe.Count("alarm.runs") <= probe.Count("alarm.failures")) throw new InvalidOperationException("alarm handler failed");
        if (probe.Count("alarm.reschedule") > 0)
        {
            probe.Bump("alarm.rescheduled");
            if (probe.Count("alarm.rescheduled") <= probe.Count("alarm.reschedule"))
                await state.Storage.SetAlarmAsync(time.GetUtcNow().AddSeconds(10));
        }
    }
}
