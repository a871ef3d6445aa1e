using System.Diagnostics.Metrics;

namespace Durable.PersistenceBench;

/// <summary>What the Durable journal's group commits did during a measure, read from its metrics (the meter the node
/// exports at /metrics): transactions, writes per transaction, the writer's time per transaction, and the WAL's fsyncs
/// on SQLite.</summary>
internal sealed class GroupCommits : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _groups;
    private long _writes;
    private double _seconds;
    private long _syncs;
    private double _syncSeconds;

    public GroupCommits()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Durable" && instrument.Name.StartsWith("durable.storage.", StringComparison.Ordinal))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (_listener) _groups += value;
        });
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            lock (_listener) _writes += value;
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (_listener)
            {
                if (instrument.Name == "durable.storage.sync.duration")
                {
                    _syncs++;
                    _syncSeconds += value;
                }
                else _seconds += value;
            }
        });
        _listener.Start();
    }

    public (long Groups, long Writes, double Seconds, long Syncs, double SyncSeconds) Now()
    {
        lock (_listener) return (_groups, _writes, _seconds, _syncs, _syncSeconds);
    }

    public void Dispose() => _listener.Dispose();
}
