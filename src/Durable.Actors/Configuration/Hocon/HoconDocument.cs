namespace Durable.Configuration.Hocon;

/// <summary>Parses, merges, resolves and flattens one HOCON document.</summary>
internal static class HoconDocument
{
    public static HoconFlatConfiguration Load(string text, HoconSourceFile file, HoconParseOptions options)
    {
        var syntax = HoconParser.Parse(text, file, options);
        var tree = HoconTreeBuilder.Build(syntax);
        var resolved = HoconResolver.Resolve(tree, options.GetEnvironmentVariable);
        return HoconFlattener.Flatten(resolved);
    }
}

internal sealed record HoconFlatConfiguration(
    Dictionary<string, string?> Data, Dictionary<string, HoconPosition> Sources);

/// <summary>
/// <see cref="DisplayName"/> is what error messages show; includes resolve against <see cref="PhysicalPath"/>'s
/// directory, or the current directory when the text has no file (a string source).
/// </summary>
internal sealed record HoconSourceFile(string DisplayName, string? PhysicalPath)
{
    public string IncludeDirectory => PhysicalPath is null
        ? Directory.GetCurrentDirectory()
        : Path.GetDirectoryName(Path.GetFullPath(PhysicalPath)) ?? Directory.GetCurrentDirectory();
}

/// <summary>The outside world the parser touches, replaceable in tests.</summary>
internal sealed record HoconParseOptions(Func<string, string?> ReadFile, Func<string, string?> GetEnvironmentVariable)
{
    public static HoconParseOptions Default { get; } = new(
        path => File.Exists(path) ? File.ReadAllText(path) : null,
        Environment.GetEnvironmentVariable);
}
