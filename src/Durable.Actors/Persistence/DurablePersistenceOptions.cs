namespace Durable.Persistence;

/// <summary>The engine's tuning for <see cref="DurablePersistenceHostingExtensions"/>; defaults as in persistence.conf.</summary>
public sealed class DurablePersistenceOptions
{
    /// <summary>Events committed together in one transaction (one fsync), at most. Default 2048.</summary>
    public int MaxGroupEvents { get; set; } = 2048;

    /// <summary>Recoveries whose journal half is kept for the replay that follows the snapshot load (0: off). Default 4096.</summary>
    public int RecoveryCacheEntries { get; set; } = 4096;

    /// <summary>Events after the snapshot kept per recovery; a longer tail is replayed from the database. Default 256.</summary>
    public int RecoveryCacheMaxEvents { get; set; } = 256;

    /// <summary>Bytes of events after the snapshot kept per recovery. Default 256 KiB.</summary>
    public long RecoveryCacheMaxBytes { get; set; } = 256 * 1024;

    /// <summary>How long a kept recovery read waits for its replay. Default 30 s.</summary>
    public TimeSpan RecoveryCacheMaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>SQLite only: rows written to the small event_recent table before they are moved into the journal's
    /// table in one transaction. Default 8192.</summary>
    public int RecentRowsBeforeMove { get; set; } = 8192;

    /// <summary>SQLite only: how long a statement waits for another connection's lock. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The dispatcher the journal and snapshot store actors run on. Default akka.actor.default-dispatcher.</summary>
    public string PluginDispatcher { get; set; } = "akka.actor.default-dispatcher";
}
