using Durable.Objects;
using Durable.Storage;
using static Durable.Objects.AlarmBookProtocol;

namespace Durable.Actors.Tests.Objects;

public class AlarmBookStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ObjectKey A = new("alarm", new string('a', 64));
    private static readonly ObjectKey B = new("alarm", new string('b', 64));

    private static AlarmBookState Fold(params IBookEvent[] events) => events.Aggregate(AlarmBookState.Empty, (s, e) => s.Apply(e));

    [Fact]
    public void A_noted_alarm_is_due_at_its_time_and_not_before()
    {
        var state = Fold(new AlarmNoted(A, T0.AddSeconds(10)));

        Assert.Empty(state.DueAt(T0.AddSeconds(9.999)));
        var entry = Assert.Single(state.DueAt(T0.AddSeconds(10)));
        Assert.Equal((A, T0.AddSeconds(10), 0), (entry.Object, entry.Due, entry.RetryCount));
        Assert.Equal(T0.AddSeconds(10), state.NextFireAt(_ => false));
    }

    [Fact]
    public void Finishing_the_current_version_removes_the_entry_and_an_older_version_does_not()
    {
        var noted = Fold(new AlarmNoted(A, T0));
        var first = noted.Find(A, T0)!;
        // The same time noted again while the first attempt ran (the handler set it anew): a new version.
        var renoted = noted.Apply(new AlarmNoted(A, T0));

        Assert.Same(renoted, renoted.Apply(new AlarmFinished(A, T0, first.Version)));
        Assert.NotNull(renoted.Apply(new AlarmFinished(A, T0, first.Version)).Find(A, T0));
        Assert.True(renoted.Apply(new AlarmFinished(A, T0, renoted.Find(A, T0)!.Version)).IsEmpty);
    }

    [Fact]
    public void A_confirmation_drops_the_objects_other_entries_and_keeps_its_committed_one_and_other_objects()
    {
        var state = Fold(new AlarmNoted(A, T0), new AlarmNoted(A, T0.AddSeconds(5)), new AlarmNoted(B, T0),
            new AlarmConfirmed(A, T0.AddSeconds(5)));

        Assert.Equal([T0.AddSeconds(5)], state.Of(A).Select(e => e.Due));
        Assert.Single(state.Of(B));
        Assert.Empty(state.Apply(new AlarmConfirmed(A, null)).Of(A));
    }

    [Fact]
    public void A_confirmed_alarm_the_book_never_noted_is_adopted()
    {
        var state = Fold(new AlarmConfirmed(A, T0.AddSeconds(3)));

        var entry = Assert.Single(state.Entries);
        Assert.Equal((T0.AddSeconds(3), 0, T0.AddSeconds(3)), (entry.Due, entry.RetryCount, entry.FireAt));
        Assert.Equal(1, state.LastVersion);
    }

    [Fact]
    public void Failures_back_off_2_4_8_16_32_64_seconds_then_the_entry_is_exhausted_and_kept()
    {
        var state = Fold(new AlarmNoted(A, T0));
        var at = T0;
        var delays = new List<double>();
        for (var attempt = 0; attempt < 7; attempt++)
        {
            var retry = AlarmBookState.AfterFailure(state.Find(A, T0)!, at, counts: true);
            state = state.Apply(retry);
            if (retry.FireAt is { } next)
            {
                delays.Add((next - at).TotalSeconds);
                at = next;
            }
        }

        Assert.Equal([2, 4, 8, 16, 32, 64], delays);
        var exhausted = Assert.Single(state.Entries);
        Assert.True(exhausted.IsExhausted);
        Assert.Equal(6, exhausted.RetryCount);
        Assert.Null(state.NextFireAt(_ => false));
        Assert.Empty(state.DueAt(T0.AddDays(1)));
    }

    [Fact]
    public void An_attempt_refused_for_load_is_tried_again_a_second_later_without_using_a_retry()
    {
        var entry = Fold(new AlarmNoted(A, T0)).Find(A, T0)!;

        var retry = AlarmBookState.AfterFailure(entry, T0.AddSeconds(7), counts: false);

        Assert.Equal((0, T0.AddSeconds(8)), (retry.RetryCount, retry.FireAt));
    }

    [Fact]
    public void A_new_note_of_the_same_time_starts_an_exhausted_entry_afresh()
    {
        var state = Fold(new AlarmNoted(A, T0));
        state = state.Apply(new AlarmRetryScheduled(A, T0, state.Find(A, T0)!.Version, 6, null));

        var entry = state.Apply(new AlarmNoted(A, T0)).Find(A, T0)!;

        Assert.Equal((0, (DateTimeOffset?)T0), (entry.RetryCount, entry.FireAt));
    }

    [Fact]
    public void A_retry_for_an_older_version_changes_nothing()
    {
        var state = Fold(new AlarmNoted(A, T0), new AlarmNoted(A, T0));

        Assert.Same(state, state.Apply(new AlarmRetryScheduled(A, T0, 1, 1, T0.AddSeconds(2))));
    }

    [Fact]
    public void Every_event_and_the_snapshot_read_back_as_written()
    {
        using var system = global::Akka.Actor.ActorSystem.Create("alarm-book-serializer");
        var serializer = new AlarmBookSerializer((global::Akka.Actor.ExtendedActorSystem)system);
        IBookEvent[] events =
        [
            new AlarmNoted(A, T0.AddTicks(1)), new AlarmConfirmed(A, null), new AlarmConfirmed(B, T0),
            new AlarmFinished(A, T0, 7), new AlarmRetryScheduled(A, T0, 7, 3, T0.AddSeconds(8)), new AlarmRetryScheduled(B, T0, 9, 6, null),
        ];
        foreach (var e in events)
            Assert.Equal(e, serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e)));

        var snapshot = new AlarmBookSnapshot(Fold(new AlarmNoted(A, T0), new AlarmNoted(B, T0.AddSeconds(1))).Apply(new AlarmRetryScheduled(B, T0.AddSeconds(1), 2, 6, null)));
        var read = (AlarmBookSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
        Assert.Equal(snapshot.State.LastVersion, read.State.LastVersion);
        Assert.Equal(snapshot.State.Entries.OrderBy(e => e.Version), read.State.Entries.OrderBy(e => e.Version));
    }

    [Fact]
    public void Commands_and_replies_that_cross_nodes_read_back_as_written()
    {
        using var system = global::Akka.Actor.ActorSystem.Create("alarm-book-serializer-commands");
        var serializer = new AlarmBookSerializer((global::Akka.Actor.ExtendedActorSystem)system);
        object[] messages =
        [
            new NoteAlarm(A, T0.AddTicks(3)), new ConfirmAlarm(A, null), new ConfirmAlarm(B, T0), new GetAlarms(B),
            new AlarmNoteResult(A, T0.AddTicks(3)),
        ];
        foreach (var m in messages)
            Assert.Equal(m, serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m)));

        var result = new AlarmBookResult([new AlarmBookEntry(A, T0, 4, 0, T0), new AlarmBookEntry(B, T0.AddSeconds(1), 5, 6, null)]);
        var read = (AlarmBookResult)serializer.FromBinary(serializer.ToBinary(result), serializer.Manifest(result));
        Assert.Equal(result.Entries, read.Entries);
        // Everything an object and its book say to each other has this serializer, never Akka's JSON fallback.
        foreach (var type in new[] { typeof(NoteAlarm), typeof(ConfirmAlarm), typeof(GetAlarms), typeof(AlarmNoteResult), typeof(AlarmBookResult) })
            Assert.Contains(type, AlarmBookSerializer.Types);
    }

    [Fact]
    public void A_payload_of_an_unknown_version_is_refused()
    {
        using var system = global::Akka.Actor.ActorSystem.Create("alarm-book-serializer-version");
        var serializer = new AlarmBookSerializer((global::Akka.Actor.ExtendedActorSystem)system);
        var bytes = serializer.ToBinary(new AlarmNoted(A, T0));
        bytes[0] = 2;

        Assert.Throws<InvalidDataException>(() => serializer.FromBinary(bytes, "AN"));
    }
}
