using System.Diagnostics.Metrics;
using Durable.Configuration;
using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Postgres;
using Durable.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The journal storage verbs: <c>.UseSqliteStorage(...)</c> and <c>.UsePostgresStorage(...)</c>.</summary>
public static class DurableObjectsBuilderStorageExtensions
{
    /// <summary>Journals objects to one SQLite file (default <c>data/durable.db</c>); settings from
    /// <c>Durable:Storage:Sqlite</c>, then <paramref name="configure"/>.</summary>
    public static DurableObjectsBuilder UseSqliteStorage(this DurableObjectsBuilder builder, Action<SqliteStorageOptions>? configure = null)
    {
        AddOptions(builder.Services, SqliteStorageOptions.SectionName, configure);
        return builder.UseStorage(static sp => new SqliteStorageProvider(
            sp.GetRequiredService<IOptions<SqliteStorageOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<SqliteStorageProvider>>(),
            sp.GetService<IMeterFactory>()));
    }

    public static DurableObjectsBuilder UseSqliteStorage(this DurableObjectsBuilder builder, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.UseSqliteStorage(o => o.Path = path);
    }

    /// <summary>Journals objects to PostgreSQL; settings from <c>Durable:Storage:Postgres</c>, then <paramref name="configure"/>.</summary>
    public static DurableObjectsBuilder UsePostgresStorage(this DurableObjectsBuilder builder, Action<PostgresStorageOptions>? configure = null)
    {
        AddOptions(builder.Services, PostgresStorageOptions.SectionName, configure);
        return builder.UseStorage(static sp => new PostgresStorageProvider(
            sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<PostgresStorageProvider>>(),
            sp.GetService<IJournalFence>(),
            sp.GetService<IMeterFactory>()));
    }

    public static DurableObjectsBuilder UsePostgresStorage(this DurableObjectsBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UsePostgresStorage(o => o.ConnectionString = connectionString);
    }

    private static void AddOptions<TOptions>(IServiceCollection services, string section, Action<TOptions>? configure)
        where TOptions : class
    {
        // Durations ("5s") and sizes ("4MiB") as HOCON writes them; a bad value or unknown key names itself and its file:line:col.
        var options = services.AddOptions<TOptions>().BindDurableSection(section);
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IValidateOptions<TOptions>), typeof(JournalStorageOptionsValidator)));
    }
}
