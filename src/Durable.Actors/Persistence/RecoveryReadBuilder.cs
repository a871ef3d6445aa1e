using System.Data.Common;

namespace Durable.Persistence;

/// <summary>Collects the rows of a database's recovery statement (first column: 0 snapshot, 1 highest sequence number,
/// 2 event) into a <see cref="RecoveryRead"/>, keeping the tail only while it is within the cache's bounds.</summary>
internal sealed class RecoveryReadBuilder(int maxEvents, long maxBytes)
{
    private readonly List<StoredEvent> _tail = [];
    private StoredSnapshot? _snapshot;
    private long _highest;
    private long _bytes;
    private bool _complete = true;

    public void Add(DbDataReader rows)
    {
        switch (rows.GetInt32(0))
        {
            case 0:
                _snapshot = new StoredSnapshot(rows.GetInt64(1), rows.GetInt64(2), rows.GetFieldValue<byte[]>(3));
                break;
            case 1:
                _highest = rows.GetInt64(1);
                break;
            default:
                if (!_complete) break;
                var row = new StoredEvent(rows.GetInt64(1), rows.GetInt64(2), rows.GetFieldValue<byte[]>(3));
                _bytes += row.Payload.Length;
                if (_tail.Count == maxEvents || _bytes > maxBytes) _complete = false;
                else _tail.Add(row);
                break;
        }
    }

    public RecoveryRead Build()
    {
        if (!_complete) return new RecoveryRead(_snapshot, _highest, null);
        // The statement orders the events within their part; the parts' order is the database's to choose.
        _tail.Sort(static (a, b) => a.SequenceNr.CompareTo(b.SequenceNr));
        return new RecoveryRead(_snapshot, _highest, _tail);
    }
}
