namespace Durable.Storage.Journal;

/// <summary>Commit times as stored: microseconds since the Unix epoch, UTC.</summary>
internal static class TimeCodec
{
    public static long ToMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + micros * 10, TimeSpan.Zero);
}
