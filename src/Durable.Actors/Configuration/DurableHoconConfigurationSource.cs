using Microsoft.Extensions.Configuration;

namespace Durable.Configuration;

/// <summary>
/// A HOCON file, or HOCON text, as an ASP.NET Core configuration source: the document is read by
/// <see cref="DurableHoconFile"/> and its keys flattened (<c>Durable.Objects.IdleTimeout</c> becomes
/// <c>Durable:Objects:IdleTimeout</c>), so environment variables and the command line added after it override it.
/// Read once; the text is kept so the same builder can be built more than once.
/// </summary>
public sealed class DurableHoconConfigurationSource : IConfigurationSource
{
    private DurableHoconConfigurationSource(Func<DurableHoconFile> load) => Read = load;

    internal Func<DurableHoconFile> Read { get; }

    /// <summary>The file at <paramref name="path"/>; a missing file throws <see cref="FileNotFoundException"/> on load.</summary>
    public static DurableHoconConfigurationSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        return new DurableHoconConfigurationSource(() => DurableHoconFile.Load(full));
    }

    /// <summary>HOCON text named <paramref name="name"/> in messages; includes resolve against the current directory.</summary>
    public static DurableHoconConfigurationSource FromText(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var directory = Directory.GetCurrentDirectory();
        return new DurableHoconConfigurationSource(() => DurableHoconFile.Parse(text, name, directory));
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new DurableHoconConfigurationProvider(this);
}
