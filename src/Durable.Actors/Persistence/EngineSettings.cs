using Akka.Configuration;

namespace Durable.Persistence;

internal enum EngineKind
{
    Sqlite,
    Postgres,
}

/// <summary>What an engine is opened with, read from a plugin section of persistence.conf (see there for each key).</summary>
internal sealed record EngineSettings(
    EngineKind Kind,
    string Database,
    TimeSpan BusyTimeout,
    int MaxGroupEvents,
    int RecoveryCacheEntries,
    int RecoveryCacheMaxEvents,
    long RecoveryCacheMaxBytes,
    TimeSpan RecoveryCacheMaxAge,
    int RecentRowsBeforeMove)
{
    /// <summary>The engine's identity in the process: one database, one engine.</summary>
    public string Key => Kind == EngineKind.Sqlite ? $"sqlite:{Database}" : $"postgres:{Database}";

    /// <summary>The section of persistence.conf every plugin section falls back to for the engine's keys.</summary>
    public const string DefaultsPath = "durable-persistence-engine-defaults";

    /// <summary>Reads a plugin section, falling back to the reference section at <paramref name="referenceId"/>, then to
    /// the engine's defaults.</summary>
    public static EngineSettings From(Config section, EngineKind kind, string referenceId)
    {
        var reference = DurablePersistence.DefaultConfig();
        var config = section.WithFallback(reference.GetConfig(referenceId)).WithFallback(reference.GetConfig(DefaultsPath));
        var pluginId = referenceId;
        var database = kind == EngineKind.Sqlite
            ? Path.GetFullPath(Required(config, "path", pluginId))
            : Required(config, "connection-string", pluginId);
        var settings = new EngineSettings(
            kind,
            database,
            config.GetTimeSpan("busy-timeout", TimeSpan.FromSeconds(5)),
            config.GetInt("max-group-events"),
            config.GetInt("recovery-cache-entries"),
            config.GetInt("recovery-cache-max-events"),
            config.GetByteSize("recovery-cache-max-bytes") ?? 0,
            config.GetTimeSpan("recovery-cache-max-age"),
            config.GetInt("recent-rows-before-move"));
        Check(settings.MaxGroupEvents >= 1, pluginId, "max-group-events", settings.MaxGroupEvents, "at least 1");
        Check(settings.RecoveryCacheEntries >= 0, pluginId, "recovery-cache-entries", settings.RecoveryCacheEntries, "0 (off) or more");
        Check(settings.RecoveryCacheMaxEvents >= 0, pluginId, "recovery-cache-max-events", settings.RecoveryCacheMaxEvents, "0 or more");
        Check(settings.RecentRowsBeforeMove >= 1, pluginId, "recent-rows-before-move", settings.RecentRowsBeforeMove, "at least 1");
        return settings;
    }

    private static string Required(Config config, string key, string pluginId)
    {
        var value = config.GetString(key, "");
        if (string.IsNullOrWhiteSpace(value))
            throw new ConfigurationException($"{pluginId}.{key} is empty; it names the database of the Durable persistence plugin.");
        return value;
    }

    private static void Check(bool valid, string pluginId, string key, object value, string rule)
    {
        if (!valid) throw new ConfigurationException($"{pluginId}.{key} = {value} is invalid: it must be {rule}.");
    }
}
