using Microsoft.Extensions.Configuration;

namespace Durable.Configuration;

/// <summary>Holds the keys of one <see cref="DurableHoconConfigurationSource"/> and the document they came from.</summary>
public sealed class DurableHoconConfigurationProvider(DurableHoconConfigurationSource source) : ConfigurationProvider
{
    /// <summary>The document last loaded; null before <see cref="Load"/>.</summary>
    public DurableHoconFile? File { get; private set; }

    public override void Load()
    {
        var file = source.Read();
        Data = file.Flatten();
        File = file;
    }
}
