using Microsoft.Data.Sqlite;

namespace Durable.Persistence;

/// <summary>
/// Why events are written to a second table first. The journal's rows are found by their (persistence id key,
/// sequence number) index, so a group commit over many objects lands one index entry per object on that object's own
/// index page: a whole page written to the WAL (and later to the database file) for every event of a few bytes. The group
/// commits therefore insert into event_recent, whose index holds only the last few thousand events and so spans a few
/// dozen pages that every group shares; once it holds <see cref="EngineSettings.RecentRowsBeforeMove"/> rows (8192 by
/// default), the writer moves them all into event_journal in one transaction, in index order, so each object's page is
/// written once for all the events it gained since the last move. Reads take both tables in one statement; the move
/// changes what is stored where, never what is stored.
/// </summary>
internal sealed partial class SqliteEngine
{
    // The bound: a group's cost grows with the pages of event_recent's index it touches, which grow with the rows held,
    // and a move's with the objects it carries (one event_journal page each); the default was swept for a thousand busy
    // objects (bench/README.md, "Group commits into a small table").

    // Rows inserted into event_recent since the last move (at least what it holds: deletions are not subtracted).
    private long _recentRows;
    private SqliteCommand? _move;

    /// <summary>Moves done (for tests).</summary>
    internal long RecentMoves { get; private set; }

    private void OpenRecent()
    {
        using var count = _writer!.CreateCommand();
        count.CommandText = "SELECT count(*) FROM event_recent";
        _recentRows = (long)count.ExecuteScalar()!;
    }


    /// <summary>After a group commit: moves event_recent into event_journal once it has grown to the bound. A failed move
    /// is rolled back whole, so every row stays in event_recent, where reads find it; it is reported
    /// (<see cref="PersistenceEngine.UpkeepFailed"/>) and tried again after as many rows more.</summary>
    protected override void AfterCommit()
    {
        if (_recentRows < Settings.RecentRowsBeforeMove) return;
        _recentRows = 0;
        try
        {
            using var transaction = _writer!.BeginTransaction(deferred: false);
            _move ??= Prepare("""
                INSERT INTO event_journal(pid, seq, written, payload) SELECT pid, seq, written, payload FROM event_recent ORDER BY pid, seq;
                DELETE FROM event_recent;
                """);
            _move.Transaction = transaction;
            _move.ExecuteNonQuery();
            transaction.Commit();
        }
        catch (Exception error)
        {
            ReportUpkeepFailure(new IOException(
                $"Moving the recent events of {Settings.Database} into its journal table failed; they stay where they are and the move is tried again later.",
                error));
            return;
        }
        RecentMoves++;
        _checkpointer?.Committed();
    }
}
