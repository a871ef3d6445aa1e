using Microsoft.Extensions.Configuration;

namespace Durable.Configuration.Hocon;

/// <summary>
/// HOCON held in memory. Kept as text rather than a stream so the same builder can be built more than once;
/// includes resolve against the current directory.
/// </summary>
internal sealed class HoconStringConfigurationSource(string text, string name) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(text, name);

    private sealed class Provider(string text, string name) : ConfigurationProvider, IHoconSourceMap
    {
        private Dictionary<string, HoconPosition> _sources = new(StringComparer.OrdinalIgnoreCase);

        public override void Load()
        {
            var loaded = HoconDocument.Load(text, new HoconSourceFile(name, null), HoconParseOptions.Default);
            Data = loaded.Data;
            _sources = loaded.Sources;
        }

        public bool TryGetSource(string key, out HoconPosition position) => _sources.TryGetValue(key, out position);
    }
}
