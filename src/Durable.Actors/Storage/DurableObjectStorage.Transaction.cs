namespace Durable.Storage;

public sealed partial class DurableObjectStorage
{
    /// <summary>
    /// Runs <paramref name="body"/> as one all-or-nothing unit: if it throws or calls
    /// <see cref="DurableObjectTransaction.Rollback"/>, every write it made is undone. No other event starts while it runs.
    /// </summary>
    public async Task<T> TransactionAsync<T>(Func<DurableObjectTransaction, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Enter();
        if (_transaction is not null)
            throw new InvalidOperationException("Transactions cannot be nested.");
        var transaction = new DurableObjectTransaction(this, _activation.OutputGate.OpenBatch.Clone(), _data.Alarm);
        _transaction = transaction;
        _activation.LockInput();
        try
        {
            var result = await body(transaction);
            if (transaction.RolledBack) Undo(transaction);
            return result;
        }
        catch
        {
            Undo(transaction);
            throw;
        }
        finally
        {
            _transaction = null;
            _activation.UnlockInput();
        }
    }

    public Task TransactionAsync(Func<DurableObjectTransaction, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return TransactionAsync(async tx =>
        {
            await body(tx);
            return true;
        });
    }

    private void Undo(DurableObjectTransaction transaction)
    {
        foreach (var (key, before) in transaction.Before)
        {
            if (before is { } value) _data.Entries.Set(key, value);
            else _data.Entries.Remove(key);
        }
        _data.SetAlarm(transaction.AlarmBefore);
        _activation.OutputGate.ReplaceOpenBatch(transaction.BatchBefore);
    }
}
