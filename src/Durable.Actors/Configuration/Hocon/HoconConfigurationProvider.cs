using Microsoft.Extensions.Configuration;

namespace Durable.Configuration.Hocon;

/// <summary>
/// Loads a HOCON file into configuration. Optional files, reload on change and file providers behave as for
/// JSON files; as there, a parse error is thrown wrapped in an InvalidDataException whose inner exception is the
/// <see cref="HoconParseException"/>. Only the main file is watched for changes, not its includes.
/// </summary>
public sealed class HoconConfigurationProvider(HoconConfigurationSource source)
    : FileConfigurationProvider(source), IHoconSourceMap
{
    private volatile Dictionary<string, HoconPosition> _sources = new(StringComparer.OrdinalIgnoreCase);

    public override void Load(Stream stream)
    {
        var path = Source.Path ?? "";
        var physicalPath = Source.FileProvider?.GetFileInfo(path).PhysicalPath;
        using var reader = new StreamReader(stream);
        // Errors name the file as found on disk: a rooted path given to AddHoconFile is split into a file provider and
        // a bare file name, which alone would not say which durable.conf was meant.
        var loaded = HoconDocument.Load(reader.ReadToEnd(), new HoconSourceFile(physicalPath ?? path, physicalPath), HoconParseOptions.Default);
        Data = loaded.Data;
        _sources = loaded.Sources;
    }

    /// <summary>Where the value of <paramref name="key"/> was written (for a substitution, where its value was).</summary>
    public bool TryGetSource(string key, out HoconPosition position) => _sources.TryGetValue(key, out position);
}
