using Durable.Storage;
using Durable.Storage.Journal;

namespace Durable.Actors.Tests.Storage;

public sealed class JournalCodecTests
{
    private static readonly ObjectKey Key = new("ns", "abc");

    [Fact]
    public void An_event_round_trips_with_deletes_bytes_json_delete_all_and_alarm()
    {
        var batch = new WriteBatch();
        batch.Clear();
        batch.Put("json", new StoredValue(StoredValueKind.Json, "{\"a\":1}"u8.ToArray()));
        batch.Put("\U0001F600", new StoredValue(StoredValueKind.Bytes, [0, 255]));
        batch.Delete("gone");
        batch.SetAlarm(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(123));
        var decoded = JournalCodec.DecodeEvent(Key, 7, JournalCodec.EncodeEvent(batch));
        Assert.True(decoded.DeleteAll);
        Assert.True(decoded.AlarmChanged);
        Assert.Equal(batch.Alarm, decoded.Alarm);
        Assert.Equal(3, decoded.Count);
        Assert.Null(decoded.Writes["gone"]);
        Assert.Equal(StoredValueKind.Bytes, decoded.Writes["\U0001F600"]!.Value.Kind);
        Assert.Equal([0, 255], decoded.Writes["\U0001F600"]!.Value.Data);
    }

    [Fact]
    public void An_alarm_deletion_round_trips_as_a_change_to_null()
    {
        var batch = new WriteBatch();
        batch.SetAlarm(null);
        var decoded = JournalCodec.DecodeEvent(Key, 1, JournalCodec.EncodeEvent(batch));
        Assert.True(decoded.AlarmChanged);
        Assert.Null(decoded.Alarm);
    }

    [Fact]
    public void A_snapshot_round_trips_into_an_empty_fold()
    {
        var data = new ObjectData(Key);
        var batch = new WriteBatch();
        batch.Put("b", new StoredValue(StoredValueKind.Json, "2"u8.ToArray()));
        batch.Put("a", new StoredValue(StoredValueKind.Bytes, [1]));
        batch.SetAlarm(DateTimeOffset.UnixEpoch.AddDays(1));
        data.Apply(new JournalEvent(1, DateTimeOffset.UnixEpoch.AddSeconds(5), batch));
        var restored = new ObjectData(Key);
        JournalCodec.DecodeSnapshot(restored, 1, data.Time, JournalCodec.EncodeSnapshot(data));
        Assert.Equal(["a", "b"], restored.Entries.Entries().Select(e => e.Key));
        Assert.Equal(data.Alarm, restored.Alarm);
        Assert.Equal(data.Position, restored.Position);
    }

    public static TheoryData<string, byte[], string> CorruptEvents() => new()
    {
        { "empty", [], "ends early" },
        { "unknown version", [2, 0, 0], "unknown event format version 2" },
        { "unknown flags", [1, 0x10, 0], "unknown flags" },
        { "count past the end", [1, 0, 50], "exceeds the payload" },
        { "trailing bytes", [1, 0, 0, 9], "trailing bytes" },
        { "bad utf-8 key", [1, 0, 1, 1, 0xFF, 0], "not valid UTF-8" },
        { "unknown tag", [1, 0, 1, 1, (byte)'k', 7], "unknown write tag 7" },
        { "alarm time without change", [1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0], "without an alarm change" },
    };

    [Theory]
    [MemberData(nameof(CorruptEvents))]
    public void A_corrupt_event_is_an_error_naming_object_seq_and_reason(string description, byte[] payload, string reason)
    {
        var error = Assert.Throws<JournalCorruptException>(() => JournalCodec.DecodeEvent(Key, 42, payload));
        Assert.Equal(42, error.Seq);
        Assert.Contains("ns/abc", error.Message);
        Assert.Contains("seq 42", error.Message);
        Assert.True(error.Message.Contains(reason), $"{description}: {error.Message}");
    }

    [Fact]
    public void A_snapshot_of_an_unknown_version_is_an_error_naming_object_and_seq()
    {
        var error = Assert.Throws<JournalCorruptException>(() => JournalCodec.DecodeSnapshot(new ObjectData(Key), 9, DateTimeOffset.UnixEpoch, [5]));
        Assert.Contains("snapshot at seq 9", error.Message);
        Assert.Contains("unknown snapshot format version 5", error.Message);
    }
}
