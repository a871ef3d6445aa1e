using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Durable.Objects;
using Durable.Persistence;
using Durable.Storage;
using Durable.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using static Durable.Objects.AlarmBookProtocol;

namespace Durable.Actors.Tests.Objects.Akka;

/// <summary>
/// The alarm book actor on its own: a real SQLite journal file, Akka's <see cref="TestScheduler"/> for its timer and a
/// <see cref="VirtualClock"/> for "now", advanced together. The object side is <see cref="RecordingTarget"/>, which
/// records each attempt and answers as the test says (the runtime-level specs use the real objects).
/// </summary>
public sealed class AlarmBookTests : global::Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly ObjectKey A = new("alarm", new string('a', 64));
    private static readonly ObjectKey B = new("alarm", new string('b', 64));
    private readonly string _directory;
    private readonly VirtualClock _clock = new();
    private readonly RecordingTarget _target;

    public AlarmBookTests(ITestOutputHelper output) : this(Directory.CreateTempSubdirectory("durable-alarm-book-").FullName, output)
    {
    }

    private AlarmBookTests(string directory, ITestOutputHelper output) : base(Configure(directory), "alarm-book", output)
    {
        _directory = directory;
        _target = new RecordingTarget(_clock);
    }

    private static DateTimeOffset Start => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Config Configure(string directory)
    {
        var path = Path.Combine(directory, "books.db").Replace("\\", "\\\\");
        return ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
            akka.persistence.journal.plugin = "{{DurablePersistence.SqliteJournalPluginId}}"
            akka.persistence.snapshot-store.plugin = "{{DurablePersistence.SqliteSnapshotStorePluginId}}"
            {{DurablePersistence.SqliteJournalPluginId}}.path = "{{path}}"
            {{DurablePersistence.SqliteSnapshotStorePluginId}}.path = "{{path}}"
            akka.actor.serializers.alarm-book = "Durable.Objects.AlarmBookSerializer, Durable.Actors"
            akka.actor.serialization-bindings {
              "Durable.Objects.AlarmBookProtocol+AlarmNoted, Durable.Actors" = alarm-book
              "Durable.Objects.AlarmBookProtocol+AlarmConfirmed, Durable.Actors" = alarm-book
              "Durable.Objects.AlarmBookProtocol+AlarmFinished, Durable.Actors" = alarm-book
              "Durable.Objects.AlarmBookProtocol+AlarmRetryScheduled, Durable.Actors" = alarm-book
              "Durable.Objects.AlarmBookSnapshot, Durable.Actors" = alarm-book
            }
            """).WithFallback(DurablePersistence.DefaultConfig());
    }

    [Fact]
    public async Task Alarm_fires_once_at_its_time_and_not_before()
    {
        var (book, _) = StartBook(Sys);
        await NoteAsync(book, A, 10);

        await AdvanceAsync(book, 9.9);
        Assert.Empty(_target.Attempts);
        await AdvanceAsync(book, 0.1);

        Assert.Equal(["a 0 @10"], _target.Log());
        await AwaitEntriesAsync(book, A, entries => Assert.Empty(entries));
        await AdvanceAsync(book, 300);
        Assert.Single(_target.Attempts);
    }

    [Fact]
    public async Task Failing_alarm_is_retried_after_2_4_8_16_32_64_seconds_then_kept_visible()
    {
        var (book, _) = StartBook(Sys);
        _target.Answer = _ => Task.FromException<bool>(new DurableObjectResetException("handler threw", null, null));
        await NoteAsync(book, A, 1);

        var retry = 0;
        foreach (var step in new[] { 1, 2, 4, 8, 16, 32, 64 })
        {
            await AdvanceAsync(book, step - 0.5);
            Assert.Equal(retry, _target.Attempts.Count);
            await AdvanceAsync(book, 0.5);
            Assert.Equal(retry + 1, _target.Attempts.Count);
            retry++;
            // The failure is recorded (and the next timer armed) before time moves on.
            var expected = Math.Min(retry, AlarmBookState.MaxRetries);
            await AwaitEntriesAsync(book, A, entries => Assert.True(entries.Single().RetryCount == expected && (retry <= 6) == !entries.Single().IsExhausted));
        }
        await AdvanceAsync(book, 1800);

        Assert.Equal(["a 0 @1", "a 1 @3", "a 2 @7", "a 3 @15", "a 4 @31", "a 5 @63", "a 6 @127"], _target.Log());
        var kept = Assert.Single(await EntriesAsync(book, A));
        Assert.True(kept.IsExhausted);
        Assert.Equal(1, _target.ExhaustedCount);
        Assert.Equal(0, _target.Unsettled);
        Assert.Equal(Start.AddSeconds(1), kept.Due);
    }

    [Fact]
    public async Task A_new_set_supersedes_pending_retries()
    {
        var (book, _) = StartBook(Sys);
        _target.Answer = attempt => attempt.Due == Start.AddSeconds(1)
            ? Task.FromException<bool>(new DurableObjectResetException("handler threw", null, null))
            : Task.FromResult(true);
        await NoteAsync(book, A, 1);
        await AdvanceAsync(book, 1);
        await AwaitEntriesAsync(book, A, entries => Assert.Equal(1, entries.Single().RetryCount));

        // The object sets its alarm to 100 s: the book notes it before the commit, and hears of the commit after.
        await NoteAsync(book, A, 100);
        book.Tell(new ConfirmAlarm(A, Start.AddSeconds(100)));
        await AdvanceAsync(book, 60);
        Assert.Equal(["a 0 @1"], _target.Log());
        await AdvanceAsync(book, 39);

        Assert.Equal(["a 0 @1", "a 0 @100"], _target.Log());
        await AwaitEntriesAsync(book, A, entries => Assert.Empty(entries));
    }

    [Fact]
    public async Task A_stale_entry_is_dropped_and_another_objects_entry_still_fires()
    {
        var (book, _) = StartBook(Sys);
        _target.Answer = attempt => Task.FromResult(attempt.Object != A);
        await NoteAsync(book, A, 5);
        await NoteAsync(book, B, 5);

        await AdvanceAsync(book, 5);

        Assert.Equal(["a 0 @5", "b 0 @5"], _target.Log().Order());
        await AwaitEntriesAsync(book, A, entries => Assert.Empty(entries));
        await AwaitEntriesAsync(book, B, entries => Assert.Empty(entries));
    }

    [Fact]
    public async Task A_book_started_again_on_its_journal_fires_what_came_due_while_it_was_down()
    {
        var (book, _) = StartBook(Sys);
        await NoteAsync(book, A, 10);
        await NoteAsync(book, B, 100);
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(30));

        _clock.Advance(TimeSpan.FromSeconds(50));
        using var second = ActorSystem.Create("alarm-book-again", Sys.Settings.Config);
        var (again, _) = StartBook(second);
        // Answered after recovery: the timer is armed by then.
        Assert.Equal(2, (await EntriesAsync(again, A)).Count + (await EntriesAsync(again, B)).Count);
        await AdvanceAsync(again, 0, second);
        Assert.Equal(["a 0 @50"], _target.Log());

        await AdvanceAsync(again, 49.9, second);
        Assert.Equal(["a 0 @50"], _target.Log());
        await AdvanceAsync(again, 0.1, second);
        Assert.Equal(["a 0 @50", "b 0 @100"], _target.Log());
        await second.Terminate();
    }

    [Fact]
    public async Task A_book_recovers_from_its_snapshot_and_the_events_after_it()
    {
        var (book, _) = StartBook(Sys, snapshotEvery: 3);
        _target.Answer = attempt => attempt.RetryCount == 0
            ? Task.FromException<bool>(new DurableObjectResetException("handler threw", null, null))
            : Task.FromResult(true);
        await NoteAsync(book, A, 10);
        await NoteAsync(book, B, 20);
        await NoteAsync(book, A, 30);
        book.Tell(new ConfirmAlarm(A, Start.AddSeconds(30)));
        await AdvanceAsync(book, 20);
        await AwaitEntriesAsync(book, B, entries => Assert.Equal(1, entries.Single().RetryCount));
        var before = (await EntriesAsync(book, A)).Concat(await EntriesAsync(book, B)).ToList();
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(30));

        using var second = ActorSystem.Create("alarm-book-snapshot", Sys.Settings.Config);
        var (again, _) = StartBook(second, snapshotEvery: 3);

        Assert.Equal(before, (await EntriesAsync(again, A)).Concat(await EntriesAsync(again, B)));
        await AdvanceAsync(again, 10, second);
        // A's first entry was dropped by the confirmation before it came due; B's retry survived the restart.
        Assert.Equal(["a 0 @30", "b 0 @20", "b 1 @30"], _target.Log().Order());
        await second.Terminate();
    }

    private (IActorRef Book, TestProbe Parent) StartBook(ActorSystem system, int snapshotEvery = 500)
    {
        var parent = CreateTestProbe(system);
        var book = parent.ChildActorOf(AlarmBook.Props("alarm/7", _target, _clock, NullLogger.Instance, snapshotEvery));
        return (book, parent);
    }

    private async Task NoteAsync(IActorRef book, ObjectKey key, double seconds)
    {
        var due = Start.AddSeconds(seconds);
        Assert.Equal(new AlarmNoteResult(key, due), await book.Ask<AlarmNoteResult>(new NoteAlarm(key, due), TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// Moves both clocks, then asks the book a question: its answer comes after the timer message the move enqueued, so
    /// every attempt that came due has been made by then.
    /// </summary>
    private async Task AdvanceAsync(IActorRef book, double seconds, ActorSystem? system = null)
    {
        var by = TimeSpan.FromSeconds(seconds);
        _clock.Advance(by);
        ((TestScheduler)(system ?? Sys).Scheduler).Advance(by);
        await EntriesAsync(book, A);
    }

    private static async Task<IReadOnlyList<AlarmBookEntry>> EntriesAsync(IActorRef book, ObjectKey key) =>
        (await book.Ask<AlarmBookResult>(new GetAlarms(key), TimeSpan.FromSeconds(10))).Entries;

    private Task AwaitEntriesAsync(IActorRef book, ObjectKey key, Action<IReadOnlyList<AlarmBookEntry>> assert) =>
        AwaitAssertAsync(async () => assert(await EntriesAsync(book, key)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The object side of a book: records each attempt (object, retry count, virtual second) and answers it.</summary>
    private sealed class RecordingTarget(VirtualClock clock) : IAlarmTarget
    {
        public readonly ConcurrentQueue<(ObjectKey Object, DateTimeOffset Due, int RetryCount, DateTimeOffset At)> Attempts = new();

        public Func<(ObjectKey Object, DateTimeOffset Due, int RetryCount, DateTimeOffset At), Task<bool>> Answer { get; set; } = _ => Task.FromResult(true);

        public Task<bool> FireAsync(ObjectKey key, DateTimeOffset due, int retryCount)
        {
            var attempt = (key, due, retryCount, clock.GetUtcNow());
            Interlocked.Increment(ref Unsettled);
            Attempts.Enqueue(attempt);
            return Answer(attempt);
        }

        public int ExhaustedCount;

        public int Unsettled;

        public void Settled(ObjectKey key) => Interlocked.Decrement(ref Unsettled);

        public void Exhausted(ObjectKey key, DateTimeOffset due) => Interlocked.Increment(ref ExhaustedCount);

        public void BookStarted(IActorRef book)
        {
        }

        public void BookStopped(IActorRef book)
        {
        }

        public List<string> Log() =>
            Attempts.Select(a => $"{a.Object.Id[0]} {a.RetryCount} @{(a.At - Start).TotalSeconds}").ToList();
    }
}
