using Durable.Configuration.Hocon;

namespace Microsoft.Extensions.Configuration;

/// <summary>Adds HOCON sources; values reach configuration as written, see <see cref="HoconDuration"/> and <see cref="HoconSize"/>.</summary>
public static class HoconConfigurationExtensions
{
    public static IConfigurationBuilder AddHoconFile(
        this IConfigurationBuilder builder, string path, bool optional = false, bool reloadOnChange = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add<HoconConfigurationSource>(source =>
        {
            source.Path = path;
            source.Optional = optional;
            source.ReloadOnChange = reloadOnChange;
            source.ResolveFileProvider();
        });
    }

    /// <summary>HOCON text, named <paramref name="name"/> in error messages; includes resolve against the current directory.</summary>
    public static IConfigurationBuilder AddHoconString(this IConfigurationBuilder builder, string text, string name = "hocon-string")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        return builder.Add(new HoconStringConfigurationSource(text, name));
    }

    /// <summary>
    /// Where the winning value of <paramref name="key"/> was written, if a HOCON source supplied it. False when a
    /// later source (environment, command line) overrides the key, so a validator never blames the wrong file.
    /// </summary>
    public static bool TryGetHoconSource(this IConfigurationRoot configuration, string key, out HoconPosition position)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var provider in configuration.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _)) continue;
            if (provider is IHoconSourceMap map) return map.TryGetSource(key, out position);
            break;
        }

        position = default;
        return false;
    }
}
