namespace Durable.Persistence;

/// <summary>
/// One engine per database in the process, counted by its users (a journal, a snapshot store, read journals): the
/// journal and the snapshot store of one database must share the writer (SQLite allows one) and the recovery cache. The
/// last user's release closes the engine; a later acquire opens a new one.
/// </summary>
internal static class EngineRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (PersistenceEngine Engine, int Users)> Engines = new(StringComparer.Ordinal);

    public static PersistenceEngine Acquire(EngineSettings settings)
    {
        lock (Gate)
        {
            if (Engines.TryGetValue(settings.Key, out var held))
            {
                Engines[settings.Key] = (held.Engine, held.Users + 1);
                return held.Engine;
            }
            PersistenceEngine engine = settings.Kind == EngineKind.Sqlite
                ? new SqliteEngine(settings, TimeProvider.System)
                : new PostgresEngine(settings, TimeProvider.System);
            Engines[settings.Key] = (engine, 1);
            return engine;
        }
    }

    /// <summary>The open engine for a database key (<see cref="EngineSettings.Key"/>), if any (for tests).</summary>
    internal static PersistenceEngine? Find(string key)
    {
        lock (Gate) return Engines.TryGetValue(key, out var held) ? held.Engine : null;
    }

    /// <summary>Releases one use; the last one closes the engine (its queued changes are committed first).</summary>
    public static Task ReleaseAsync(PersistenceEngine engine)
    {
        lock (Gate)
        {
            if (!Engines.TryGetValue(engine.Settings.Key, out var held) || held.Engine != engine) return Task.CompletedTask;
            if (held.Users > 1)
            {
                Engines[engine.Settings.Key] = (engine, held.Users - 1);
                return Task.CompletedTask;
            }
            Engines.Remove(engine.Settings.Key);
        }
        return engine.DisposeAsync().AsTask();
    }
}
