using Microsoft.Extensions.Configuration;

namespace Durable.Configuration.Hocon;

/// <summary>A HOCON file; see <see cref="HoconConfigurationExtensions"/>.</summary>
public sealed class HoconConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new HoconConfigurationProvider(this);
    }
}
