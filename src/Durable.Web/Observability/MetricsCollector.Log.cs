using Microsoft.Extensions.Logging;

namespace Durable.Web.Observability;

internal sealed partial class MetricsCollector
{
    [LoggerMessage(EventId = 9100, Level = LogLevel.Warning,
        Message = "An observable instrument's callback failed during a /metrics scrape; its series are missing")]
    private static partial void LogObservableCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning,
        Message = "Metric {MetricName} from instrument {InstrumentName} of meter {MeterName} is not exported: " +
            "an earlier instrument has that name")]
    private static partial void LogNameCollision(ILogger logger, string metricName, string instrumentName, string meterName);
}
