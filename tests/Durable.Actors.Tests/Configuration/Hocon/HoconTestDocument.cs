using Durable.Configuration.Hocon;

namespace Durable.Actors.Tests.Configuration.Hocon;

/// <summary>Loads HOCON text with no file system and a fake environment.</summary>
internal static class HoconTestDocument
{
    public static Dictionary<string, string?> Load(string text, IDictionary<string, string>? environment = null) =>
        LoadFlat(text, environment).Data;

    public static HoconFlatConfiguration LoadFlat(string text, IDictionary<string, string>? environment = null) =>
        HoconDocument.Load(text, new HoconSourceFile("test.conf", null), Options(environment));

    public static HoconParseException Fails(string text, IDictionary<string, string>? environment = null) =>
        Assert.Throws<HoconParseException>(() => Load(text, environment));

    /// <summary>The values of <paramref name="keys"/> joined with '|', so one assertion shows them all.</summary>
    public static string Joined(IDictionary<string, string?> data, params string[] keys) =>
        string.Join('|', keys.Select(k => data.TryGetValue(k, out var v) ? v ?? "<null>" : "<missing>"));

    public static HoconParseOptions Options(IDictionary<string, string>? environment = null) =>
        new(_ => null, name => environment is not null && environment.TryGetValue(name, out var value) ? value : null);
}
