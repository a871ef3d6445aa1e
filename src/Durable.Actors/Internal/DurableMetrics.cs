using System.Diagnostics.Metrics;

namespace Durable.Internal;

/// <summary>The runtime's instruments, on the meter named "Durable".</summary>
internal sealed class DurableMetrics
{
    public const string MeterName = "Durable";

    private readonly Counter<long> _activations;
    private readonly Counter<long> _passivations;
    private readonly Counter<long> _resets;
    private readonly Counter<long> _overloads;
    private readonly Counter<long> _deadlines;
    private readonly Counter<long> _commits;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _alarmsFired;
    private readonly Counter<long> _alarmsDropped;
    private readonly Histogram<double> _alarmLateness;
    private readonly Counter<long> _socketsAccepted;
    private readonly Counter<long> _socketsRefused;
    private readonly Counter<long> _socketMessages;
    private readonly Counter<long> _autoResponses;
    private readonly Counter<long> _socketCloses;
    private readonly Counter<long> _slowCloses;
    private readonly Counter<long> _channelJoins;

    public DurableMetrics(IMeterFactory meterFactory, Func<int> activeObjects, Func<int> inFlightEvents, Func<int> openSockets)
    {
        var meter = meterFactory.Create(MeterName);
        _activations = meter.CreateCounter<long>("durable.activations", "{activation}", "Objects activated");
        _passivations = meter.CreateCounter<long>("durable.passivations", "{activation}", "Objects passivated after idling");
        _resets = meter.CreateCounter<long>("durable.resets", "{activation}", "Activations reset after a failure");
        _overloads = meter.CreateCounter<long>("durable.overloads", "{event}", "Events refused because a queue was full");
        _deadlines = meter.CreateCounter<long>("durable.deadline_exceeded", "{event}", "Events that outlived their deadline");
        _commits = meter.CreateCounter<long>("durable.storage.commits", "{batch}", "Write batches committed to the journal");
        _batchSize = meter.CreateHistogram("durable.storage.batch_size", "{key}", "Keys written per committed batch",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096] });
        _alarmsFired = meter.CreateCounter<long>("durable.alarms.fired", "{alarm}", "Alarm handler runs started (retries included)");
        _alarmsDropped = meter.CreateCounter<long>("durable.alarms.dropped", "{alarm}", "Alarms dropped after their last retry failed");
        _alarmLateness = meter.CreateHistogram("durable.alarms.lateness", "s", "How late an alarm's first run started after its time",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] });
        _socketsAccepted = meter.CreateCounter<long>("durable.sockets.accepted", "{socket}", "WebSockets accepted by objects");
        _socketsRefused = meter.CreateCounter<long>("durable.sockets.refused", "{socket}", "WebSockets closed at once because their object held its limit");
        _socketMessages = meter.CreateCounter<long>("durable.sockets.messages", "{message}", "WebSocket messages delivered to objects");
        _autoResponses = meter.CreateCounter<long>("durable.sockets.auto_responses", "{message}", "WebSocket messages answered at the edge by the auto-response");
        _socketCloses = meter.CreateCounter<long>("durable.sockets.closed", "{socket}", "WebSockets closed, by close code");
        _slowCloses = meter.CreateCounter<long>("durable.sockets.slow_closed", "{socket}", "WebSockets closed (1008) because their client did not read what was sent to it");
        _channelJoins = meter.CreateCounter<long>("durable.channels.joins", "{join}", "Phoenix channel joins, by outcome");
        meter.CreateObservableUpDownCounter("durable.sockets.open", openSockets, "{socket}", "WebSockets and channel subscribers open on this node");
        meter.CreateObservableUpDownCounter("durable.objects.active", activeObjects, "{object}", "Objects active on this node");
        meter.CreateObservableUpDownCounter("durable.events.in_flight", inFlightEvents, "{event}", "Events admitted and not yet answered");
    }

    public void Activated() => _activations.Add(1);

    public void Passivated() => _passivations.Add(1);

    public void Reset() => _resets.Add(1);

    public void Overloaded() => _overloads.Add(1);

    public void DeadlineExceeded() => _deadlines.Add(1);

    public void AlarmFired(TimeSpan lateness, bool isRetry)
    {
        _alarmsFired.Add(1);
        if (!isRetry) _alarmLateness.Record(lateness.TotalSeconds);
    }

    public void AlarmDropped() => _alarmsDropped.Add(1);

    public void Committed(int keys)
    {
        _commits.Add(1);
        _batchSize.Record(keys);
    }

    public void SocketAccepted() => _socketsAccepted.Add(1);

    public void SocketRefused() => _socketsRefused.Add(1);

    public void SocketMessage() => _socketMessages.Add(1);

    public void AutoResponded() => _autoResponses.Add(1);

    public void SocketClosed(int code) => _socketCloses.Add(1, new KeyValuePair<string, object?>("code", code));

    public void SlowClosed() => _slowCloses.Add(1);

    public void ChannelJoined(bool admitted) => _channelJoins.Add(1, new KeyValuePair<string, object?>("outcome", admitted ? "ok" : "error"));
}
