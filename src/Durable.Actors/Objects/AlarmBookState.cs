using System.Collections.Immutable;
using Durable.Storage;
using static Durable.Objects.AlarmBookProtocol;

namespace Durable.Objects;

/// <summary>One alarm a book will fire: the object, the time it was set for, and when its next attempt is due.</summary>
/// <param name="Version">Changes whenever the entry is noted again; an attempt's outcome applies only to its version.</param>
/// <param name="RetryCount">How many attempts failed so far (what <see cref="AlarmInfo.RetryCount"/> tells the handler).</param>
/// <param name="FireAt">When the next attempt is due; null once the retries are exhausted.</param>
internal sealed record AlarmBookEntry(ObjectKey Object, DateTimeOffset Due, long Version, int RetryCount, DateTimeOffset? FireAt)
{
    public bool IsExhausted => FireAt is null;
}

/// <summary>
/// The state of an <see cref="AlarmBook"/>: the fold of its events, immutable, with the retry policy. An object has
/// usually one entry; it has more only while a note waits for its commit or after a commit that failed (an entry whose
/// time the object never committed is found stale when it fires, and dropped).
/// </summary>
internal sealed class AlarmBookState
{
    public const int MaxRetries = 6;
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan OverloadRetryDelay = TimeSpan.FromSeconds(1);

    public static readonly AlarmBookState Empty = new(ImmutableDictionary<(ObjectKey, DateTimeOffset), AlarmBookEntry>.Empty, 0);

    private readonly ImmutableDictionary<(ObjectKey Object, DateTimeOffset Due), AlarmBookEntry> _entries;

    private AlarmBookState(ImmutableDictionary<(ObjectKey, DateTimeOffset), AlarmBookEntry> entries, long lastVersion)
    {
        _entries = entries;
        LastVersion = lastVersion;
    }

    /// <summary>The version the latest note got (versions are never reused, so a late outcome cannot hit a newer entry).</summary>
    public long LastVersion { get; }

    public int Count => _entries.Count;

    public bool IsEmpty => _entries.IsEmpty;

    public IEnumerable<AlarmBookEntry> Entries => _entries.Values;

    public static AlarmBookState From(IEnumerable<AlarmBookEntry> entries, long lastVersion) =>
        new(entries.ToImmutableDictionary(e => (e.Object, e.Due)), lastVersion);

    public AlarmBookEntry? Find(ObjectKey key, DateTimeOffset due) => _entries.GetValueOrDefault((key, due));

    public IEnumerable<AlarmBookEntry> Of(ObjectKey key) => _entries.Values.Where(e => e.Object == key).OrderBy(e => e.Due);

    /// <summary>Entries whose attempt is due at <paramref name="now"/>, earliest first.</summary>
    public IEnumerable<AlarmBookEntry> DueAt(DateTimeOffset now) =>
        _entries.Values.Where(e => e.FireAt <= now).OrderBy(e => e.FireAt);

    /// <summary>The earliest next attempt of any entry not in <paramref name="excluded"/>; null when none is scheduled.</summary>
    public DateTimeOffset? NextFireAt(Func<AlarmBookEntry, bool> excluded) =>
        _entries.Values.Where(e => e.FireAt is not null && !excluded(e)).Min(e => e.FireAt);

    public AlarmBookState Apply(IBookEvent e) => e switch
    {
        AlarmNoted noted => Put(new AlarmBookEntry(noted.Object, noted.Due, LastVersion + 1, 0, noted.Due), LastVersion + 1),
        AlarmConfirmed confirmed => Confirm(confirmed),
        AlarmFinished finished => Find(finished.Object, finished.Due) is { } entry && entry.Version == finished.Version
            ? new AlarmBookState(_entries.Remove((finished.Object, finished.Due)), LastVersion)
            : this,
        AlarmRetryScheduled retry => Find(retry.Object, retry.Due) is { } entry && entry.Version == retry.Version
            ? Put(entry with { RetryCount = retry.RetryCount, FireAt = retry.FireAt }, LastVersion)
            : this,
        _ => throw new ArgumentException($"An alarm book cannot apply a {e.GetType().Name}.", nameof(e)),
    };

    /// <summary>
    /// The event that records a failed attempt of <paramref name="entry"/> at <paramref name="failedAt"/>: the next
    /// attempt 2 s after the first failure, doubling, for <see cref="MaxRetries"/> retries; then exhausted. An attempt the
    /// node refused for load (<paramref name="counts"/> false) is tried again after <see cref="OverloadRetryDelay"/>
    /// and uses up no retry.
    /// </summary>
    public static AlarmRetryScheduled AfterFailure(AlarmBookEntry entry, DateTimeOffset failedAt, bool counts)
    {
        if (!counts) return new(entry.Object, entry.Due, entry.Version, entry.RetryCount, failedAt + OverloadRetryDelay);
        if (entry.RetryCount >= MaxRetries) return new(entry.Object, entry.Due, entry.Version, entry.RetryCount, null);
        return new(entry.Object, entry.Due, entry.Version, entry.RetryCount + 1, failedAt + FirstRetryDelay * (1 << entry.RetryCount));
    }

    private AlarmBookState Confirm(AlarmConfirmed confirmed)
    {
        var entries = _entries;
        foreach (var entry in _entries.Values)
            if (entry.Object == confirmed.Object && entry.Due != confirmed.Due) entries = entries.Remove((entry.Object, entry.Due));
        var version = LastVersion;
        // A committed alarm the book does not know (its note was lost with an old book journal) is adopted.
        if (confirmed.Due is { } due && !entries.ContainsKey((confirmed.Object, due)))
            entries = entries.SetItem((confirmed.Object, due), new AlarmBookEntry(confirmed.Object, due, ++version, 0, due));
        return new AlarmBookState(entries, version);
    }

    private AlarmBookState Put(AlarmBookEntry entry, long lastVersion) =>
        new(_entries.SetItem((entry.Object, entry.Due), entry), lastVersion);
}
