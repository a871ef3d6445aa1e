namespace Durable.Configuration.Hocon;

internal sealed partial class HoconParser
{
    private bool IsIncludeDirective()
    {
        if (Peek is not { Kind: HoconTokenKind.Unquoted, Text: "include" }) return false;
        if (_tokens[_index + 1].Kind != HoconTokenKind.Whitespace) return false;
        var target = _tokens[_index + 2];
        return target.Kind == HoconTokenKind.Quoted || (target.Kind == HoconTokenKind.Unquoted && target.Text.Contains('('));
    }

    /// <summary><c>include "f"</c>, <c>include file("f")</c>, <c>include required("f")</c>, <c>include required(file("f"))</c>.</summary>
    private void ParseInclude(SyntaxObject into, string[] path)
    {
        var keyword = Next();
        var required = false;
        var file = false;
        var open = 0;
        string name;
        while (true)
        {
            SkipWhitespace();
            var token = Next();
            if (token.Kind == HoconTokenKind.Quoted)
            {
                name = token.Text;
                break;
            }

            if (token.Kind != HoconTokenKind.Unquoted)
            {
                throw Error(token, $"expected a quoted file name after include, found {token.Describe()}");
            }

            var form = token.Text;
            while (form.Length > 0)
            {
                if (form.StartsWith("required(", StringComparison.Ordinal) && !required && !file)
                {
                    required = true;
                    form = form["required(".Length..];
                }
                else if (form.StartsWith("file(", StringComparison.Ordinal) && !file)
                {
                    file = true;
                    form = form["file(".Length..];
                }
                else if (form.StartsWith("url(", StringComparison.Ordinal) || form.StartsWith("classpath(", StringComparison.Ordinal))
                {
                    throw Error(token, $"include {form[..(form.IndexOf('(') + 1)]}...) is not supported; use file(\"...\")");
                }
                else
                {
                    throw Error(token, $"unknown include form '{token.Text}': expected \"file\", file(\"file\") or required(\"file\")");
                }

                open++;
            }
        }

        while (open > 0)
        {
            SkipWhitespace();
            var token = Peek;
            if (token.Kind != HoconTokenKind.Unquoted || token.Text.Any(c => c != ')') || token.Text.Length > open)
            {
                throw Error(token, $"expected ')' to close the include, found {token.Describe()}");
            }

            open -= Next().Text.Length;
        }

        Include(name, required, keyword.Position, into, path);
    }

    private void Include(string name, bool required, HoconPosition at, SyntaxObject into, string[] path)
    {
        if (name.Length == 0) throw new HoconParseException(at, "include needs a file name");

        var physical = Path.GetFullPath(Path.Combine(_file.IncludeDirectory, name));
        var display = Path.IsPathRooted(name) ? name : Path.Combine(Path.GetDirectoryName(_file.DisplayName) ?? "", name);
        var file = new HoconSourceFile(display, physical);
        if (_includeChain.Any(f => f.PhysicalPath is not null && PathsEqual(f.PhysicalPath, physical)))
        {
            var chain = string.Join(" -> ", _includeChain.Append(file).Select(f => f.DisplayName));
            throw new HoconParseException(at, $"include cycle: {chain}");
        }

        string? text;
        try
        {
            text = _options.ReadFile(physical);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HoconParseException(at, $"cannot read included file '{physical}': {e.Message}");
        }

        if (text is null)
        {
            if (required) throw new HoconParseException(at, $"required include \"{name}\" not found (looked for {physical})");
            return;
        }

        var included = new HoconParser(text, file, _options, [.. _includeChain, file], [.. _prefix, .. path]).ParseRoot();
        into.Fields.AddRange(included.Fields);
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.GetFullPath(a), b, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
}
