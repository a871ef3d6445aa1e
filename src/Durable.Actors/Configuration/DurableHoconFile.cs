using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Durable.Configuration;

/// <summary>
/// A node's HOCON file read with Akka's own parser (<see cref="ConfigurationFactory"/>), so the <c>akka { ... }</c>
/// section can go to the actor system as written and the <c>Durable { ... }</c> settings reach ASP.NET Core
/// configuration through <see cref="Flatten"/>.
/// <para>
/// What this adds to Akka's parser, which leaves both to its caller: <c>include "file"</c> resolves next to the
/// including file (a missing file is an error, as Akka's parser has no <c>required(...)</c>), and a whole value
/// written <c>key = ${?NAME}</c> takes environment variable NAME when it is set and leaves the key as it was when it is
/// not; Akka's tokenizer cannot read <c>${?</c>, so such lines are rewritten before parsing, and any other <c>${?</c>
/// is refused rather than letting the parser drop the rest of the file.
/// </para>
/// </summary>
public sealed partial class DurableHoconFile
{
    private const int MaxIncludeDepth = 16;

    private DurableHoconFile(string path, Config config, IReadOnlyList<string> files)
    {
        Path = path;
        Config = config;
        Files = files;
    }

    /// <summary>The file that was loaded (or the name given to parsed text).</summary>
    public string Path { get; }

    /// <summary>The whole document, includes merged and environment values in place.</summary>
    public Config Config { get; }

    /// <summary>The <c>akka</c> section for the actor system; empty when the file has none.</summary>
    public Config Akka => Config.HasPath("akka") ? Config.GetConfig("akka") : ConfigurationFactory.Empty;

    /// <summary><see cref="Path"/> and every file it included, in the order they were read.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Reads <paramref name="path"/>; a missing file throws <see cref="FileNotFoundException"/>.</summary>
    public static DurableHoconFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"The configuration file '{full}' was not found.", full);
        return Parse(File.ReadAllText(full), full, System.IO.Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses <paramref name="text"/>, named <paramref name="name"/> in errors; includes resolve in <paramref name="directory"/>.</summary>
    public static DurableHoconFile Parse(string text, string name, string directory)
    {
        ArgumentNullException.ThrowIfNull(text);
        var files = new List<string> { name };
        var root = ParseRoot(text, name, directory, files, [name]);
        RefuseCycles(root.Value, new HashSet<HoconValue>(ReferenceEqualityComparer.Instance), name);
        return new DurableHoconFile(name, new Config(root), files);
    }

    /// <summary>
    /// Configuration keys for the document: <c>a { b = 1 }</c> gives <c>a:b</c>, array items <c>a:0</c>; empty objects
    /// and arrays keep their key with a null value so the section exists.
    /// </summary>
    public Dictionary<string, string?> Flatten()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Visit(data, null, Config.Root);
        return data;
    }

    private void Visit(Dictionary<string, string?> data, string? key, HoconValue value)
    {
        if (value.IsObject())
        {
            var fields = value.GetObject().Items;
            if (fields.Count == 0 && key is not null) Set(data, key, null);
            foreach (var (child, childValue) in fields) Visit(data, key is null ? child : key + ":" + child, childValue);
        }
        else if (value.IsArray())
        {
            var items = value.GetArray();
            if (items.Count == 0) Set(data, key!, null);
            for (var i = 0; i < items.Count; i++) Visit(data, key + ":" + i.ToString(CultureInfo.InvariantCulture), items[i]);
        }
        else if (key is not null)
        {
            Set(data, key, value.GetString());
        }
    }

    private void Set(Dictionary<string, string?> data, string key, string? value)
    {
        if (!data.TryAdd(key, value))
        {
            // HOCON keys are case-sensitive, configuration keys are not: picking one silently would hide a typo.
            var other = data.Keys.First(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            throw new DurableHoconException(Path, null,
                $"the keys '{other}' and '{key}' differ only in case, and configuration keys are case-insensitive");
        }
    }

    private static HoconRoot ParseRoot(string text, string name, string directory, List<string> files, string[] chain)
    {
        var rewritten = SubstituteEnvironment(text, name);
        // Akka's parser stops without a word at a '}' that closes nothing and accepts a '{' never closed: a key written
        // after the last line must come out at the top level, or the file was not read to its end as the user meant.
        var endOfFile = "durable-end-of-file-" + Guid.NewGuid().ToString("N");
        HoconRoot root;
        try
        {
            root = Parser.Parse($"{rewritten}\n{endOfFile} = 0\n", include => Include(include, name, directory, files, chain));
        }
        catch (DurableHoconException)
        {
            throw; // from an included file, already naming it
        }
        catch (Exception error) when (error is FormatException or ConfigurationException or ArgumentException or InvalidOperationException)
        {
            throw new DurableHoconException(name, Position(rewritten, error.Message), FirstLine(error.Message));
        }

        if (!root.Value.GetObject().Items.Remove(endOfFile))
        {
            throw new DurableHoconException(name, null, ParentOf(root.Value.GetObject(), endOfFile, null) is { } open
                ? $"the '{{' of {open} is not closed by the end of the file"
                : "Akka's parser stopped before the end of the file, at a '}' that closes no '{'");
        }

        return root;
    }

    /// <summary>
    /// Akka's parser resolves <c>a = ${a}</c> (even after an earlier <c>a = 1</c>) and <c>a { b = ${a} }</c> to a value
    /// that contains itself; reading one overflows the stack and kills the process, so cycles are refused here.
    /// </summary>
    private static void RefuseCycles(HoconValue value, HashSet<HoconValue> enclosing, string name)
    {
        if (!enclosing.Add(value)) return;
        foreach (var element in value.Values)
        {
            switch (element)
            {
                case HoconSubstitution { ResolvedValue: { } target } substitution:
                    if (enclosing.Contains(target))
                        throw new DurableHoconException(name, null, $"${{{substitution.Path}}} refers to a value that contains it, which Akka's parser cannot resolve");
                    RefuseCycles(target, enclosing, name);
                    break;
                case HoconObject obj:
                    foreach (var child in obj.Items.Values) RefuseCycles(child, enclosing, name);
                    break;
                case HoconArray array:
                    foreach (var item in array) RefuseCycles(item, enclosing, name);
                    break;
            }
        }

        enclosing.Remove(value);
    }

    /// <summary>The path of the object holding <paramref name="key"/>, through objects written in place only.</summary>
    private static string? ParentOf(HoconObject obj, string key, string? path)
    {
        foreach (var (child, value) in obj.Items)
        {
            if (child == key) return path;
            var childPath = path is null ? child : path + "." + child;
            foreach (var nested in value.Values.OfType<HoconObject>())
            {
                if (ParentOf(nested, key, childPath) is { } found) return found;
            }
        }

        return null;
    }

    private static HoconRoot Include(string include, string from, string directory, List<string> files, string[] chain)
    {
        if (include.Length == 0) throw new DurableHoconException(from, null, "include needs a file name");
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, include));
        if (chain.Contains(path, StringComparer.Ordinal))
            throw new DurableHoconException(from, null, $"include cycle: {string.Join(" -> ", chain.Append(path))}");
        if (chain.Length >= MaxIncludeDepth)
            throw new DurableHoconException(from, null, $"includes nest deeper than {MaxIncludeDepth} files");
        if (!File.Exists(path)) throw new DurableHoconException(from, null, $"included file \"{include}\" not found (looked for {path})");
        files.Add(path);
        var included = ParseRoot(File.ReadAllText(path), path, System.IO.Path.GetDirectoryName(path)!, files, [.. chain, path]);
        // Substitutions inside the included file were resolved against it; handing them back would make Akka's parser
        // resolve them again under a prefixed path ("." + path at the root), which fails.
        return new HoconRoot(included.Value);
    }

    /// <summary>Rewrites each <c>key = ${?NAME}</c> line into the value of NAME, or into a comment when NAME is unset.</summary>
    private static string SubstituteEnvironment(string text, string name)
    {
        if (!text.Contains("${?", StringComparison.Ordinal)) return text;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var index = line.IndexOf("${?", StringComparison.Ordinal);
            if (index < 0 || IsComment(line[..index])) continue;
            var match = OptionalEnvironmentValue().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                throw new DurableHoconException(name, (i + 1, index + 1),
                    "${?NAME} is supported only as a whole value (key = ${?NAME}), which takes environment variable NAME when it is set");
            }

            var value = Environment.GetEnvironmentVariable(match.Groups["name"].Value);
            lines[i] = value is null
                ? "#" + line
                : $"{match.Groups["key"].Value}{match.Groups["assign"].Value}{Quote(value)}{match.Groups["rest"].Value}";
        }

        return string.Join('\n', lines);
    }

    private static bool IsComment(string before)
    {
        var trimmed = before.TrimStart();
        return trimmed.StartsWith('#') || trimmed.StartsWith("//", StringComparison.Ordinal);
    }

    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A HOCON quoted string is a JSON string.</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value, QuoteOptions);

    /// <summary>Line and column of Akka's "at position N" (a character index into the text it parsed), if it said one.</summary>
    private static (int Line, int Column)? Position(string text, string message)
    {
        var match = AkkaPosition().Match(message);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return null;
        index = Math.Min(index, text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }

        return (line, index - lineStart + 1);
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim().TrimEnd(':');
    }

    [GeneratedRegex(@"^(?<key>\s*[^\s#=:{}\[\],][^#=:{}]*?\s*)(?<assign>[=:]\s*)\$\{\?(?<name>[A-Za-z_][A-Za-z0-9_.]*)\}(?<rest>\s*,?\s*((#|//).*)?)$")]
    private static partial Regex OptionalEnvironmentValue();

    [GeneratedRegex(@"at position (\d+)")]
    private static partial Regex AkkaPosition();
}
