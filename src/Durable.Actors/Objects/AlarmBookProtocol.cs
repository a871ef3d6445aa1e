using Durable.Storage;

namespace Durable.Objects;

/// <summary>
/// The messages of an <see cref="AlarmBook"/>: commands from objects and from the node, the events the book persists,
/// and its replies. Every command names the object it is about; the book's region routes it to the object's book.
/// </summary>
internal static class AlarmBookProtocol
{
    /// <summary>A command for the book that indexes <see cref="Object"/>'s alarm.</summary>
    public interface IBookCommand
    {
        ObjectKey Object { get; }
    }

    /// <summary>An event a book persists; its state is the fold of these (<see cref="AlarmBookState.Apply"/>).</summary>
    public interface IBookEvent;

    // ---- commands ----

    /// <summary>
    /// "The object may commit an alarm at <paramref name="Due"/>": sent before the commit that carries it; the book
    /// answers <see cref="AlarmNoteResult"/> once the entry is durable, and only then may the object commit.
    /// </summary>
    public sealed record NoteAlarm(ObjectKey Object, DateTimeOffset Due) : IBookCommand;

    /// <summary>
    /// "The object's committed alarm is now <paramref name="Due"/> (null: none)": sent after the commit, before any
    /// later note of the same object. Entries of the object at other times are dropped.
    /// </summary>
    public sealed record ConfirmAlarm(ObjectKey Object, DateTimeOffset? Due) : IBookCommand;

    /// <summary>Asks for the book's entries of one object (exhausted ones included); answered with <see cref="AlarmBookResult"/> once
    /// everything the book applied before it is durable.</summary>
    public sealed record GetAlarms(ObjectKey Object) : IBookCommand;

    /// <summary>Sharding's stop message for a book (handoff, shutdown).</summary>
    public sealed record Stop
    {
        public static readonly Stop Instance = new();

        private Stop()
        {
        }
    }

    // ---- events ----

    /// <summary>The object may have committed (or is about to commit) an alarm at <paramref name="Due"/>.</summary>
    public sealed record AlarmNoted(ObjectKey Object, DateTimeOffset Due) : IBookEvent;

    /// <summary>The object's committed alarm is <paramref name="Due"/> (null: none); its other entries are gone.</summary>
    public sealed record AlarmConfirmed(ObjectKey Object, DateTimeOffset? Due) : IBookEvent;

    /// <summary>The attempt of entry version <paramref name="Version"/> ran the handler or found the alarm stale.</summary>
    public sealed record AlarmFinished(ObjectKey Object, DateTimeOffset Due, long Version) : IBookEvent;

    /// <summary>
    /// An attempt failed: the entry's next attempt is <paramref name="RetryCount"/> at <paramref name="FireAt"/>; a null
    /// <paramref name="FireAt"/> means its retries are exhausted (the entry stays, visible, and never fires again).
    /// </summary>
    public sealed record AlarmRetryScheduled(ObjectKey Object, DateTimeOffset Due, long Version, int RetryCount, DateTimeOffset? FireAt) : IBookEvent;

    // ---- replies ----

    /// <summary>The note is durable in the book: the object may commit its alarm.</summary>
    public sealed record AlarmNoteResult(ObjectKey Object, DateTimeOffset Due);

    /// <summary>
    /// Sent straight to a book (not through the region): answered with <see cref="Settled"/> once the book has taken
    /// every message sent to it before, timer ticks included (the barrier a test passes after moving virtual time).
    /// </summary>
    public sealed record Settle
    {
        public static readonly Settle Instance = new();

        private Settle()
        {
        }
    }

    public sealed record Settled
    {
        public static readonly Settled Instance = new();

        private Settled()
        {
        }
    }

    /// <summary>The book's entries of one object.</summary>
    public sealed record AlarmBookResult(IReadOnlyList<AlarmBookEntry> Entries);
}
