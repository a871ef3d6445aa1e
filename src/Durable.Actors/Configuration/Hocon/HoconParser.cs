namespace Durable.Configuration.Hocon;

// HOCON (Lightbend spec) to Microsoft.Extensions.Configuration, in passes that each have one type:
//   HoconTokenizer    text -> tokens carrying file:line:column; comments are dropped there.
//   HoconParser       tokens -> syntax. An object is the ordered list of its assignments; an include is
//                     parsed on the spot and its assignments spliced in, so it merges like written fields.
//   HoconTreeBuilder  syntax -> one tree, applying assignments in document order.
//   HoconResolver     substitutions resolved against that final tree.
//   HoconFlattener    tree -> "a:b:0" keys, plus the source position of every key.
//
// What this promises:
// - Malformed input fails with HoconParseException naming file, line and column: of the offending token,
//   or of the opening quote, brace, bracket or "${" when something is left unterminated. Bad input never
//   surfaces as any other exception type.
// - Later assignments win. Object onto object merges key by key; any other value replaces. Duplicate keys
//   inside one object literal behave exactly like separate assignments.
// - A substitution sees the final value of its path (it looks forward), except in a self-referential field
//   (`a = ${a} x`, `a += x`), where it sees the value the field had just before that assignment. A path
//   missing from the tree falls back to the environment variable of that name; then an optional one
//   vanishes and a required one fails. Cycles fail and name the chain.
// - Values reach configuration as written ("70s", "yes", "1.50"); only a bare `null` becomes a null value.
//   Durations and sizes are parsed at bind time by HoconDuration / HoconSize, never guessed here.
// - Includes resolve relative to the including file; missing ones are skipped unless required(...);
//   cycles fail. An included file's substitutions are relative to where it is included.
//
// Not supported: url(...) and classpath(...) includes (they fail clearly), probing for .conf/.json when an
// include has no extension, and a substitution reaching into the very concatenation that contains it
// (`a = ${b} { c = ${a.x} }` reports a cycle where Lightbend's lazy resolver would succeed).
internal sealed partial class HoconParser
{
    private const int MaxDepth = 200;
    private readonly List<HoconToken> _tokens;
    private readonly HoconSourceFile _file;
    private readonly HoconParseOptions _options;
    private readonly IReadOnlyList<HoconSourceFile> _includeChain;
    private readonly string[] _prefix;
    private int _index;
    private int _depth;

    private HoconParser(
        string text, HoconSourceFile file, HoconParseOptions options,
        IReadOnlyList<HoconSourceFile> includeChain, string[] prefix)
    {
        _tokens = HoconTokenizer.Tokenize(text, file.DisplayName);
        _file = file;
        _options = options;
        _includeChain = includeChain;
        _prefix = prefix;
    }

    public static SyntaxObject Parse(string text, HoconSourceFile file, HoconParseOptions options) =>
        new HoconParser(text, file, options, [file], []).ParseRoot();

    private HoconToken Peek => _tokens[_index];

    private SyntaxObject ParseRoot()
    {
        SkipWhitespaceAndNewlines();
        if (Peek.Kind == HoconTokenKind.OpenBracket)
        {
            throw Error(Peek, "the root of a HOCON document must be an object, not an array");
        }

        if (Peek.Kind != HoconTokenKind.OpenBrace) return ParseObjectBody(Peek.Position, braced: false, []);

        var root = ParseBracedObject([]);
        SkipWhitespaceAndNewlines();
        if (Peek.Kind != HoconTokenKind.End) throw Error(Peek, $"unexpected {Peek.Describe()} after the root object");
        return root;
    }

    private SyntaxObject ParseBracedObject(string[] path)
    {
        var open = Next();
        using var nesting = Nest(open);
        return ParseObjectBody(open.Position, braced: true, path);
    }

    /// <summary>Parsing recurses per bracket; a bound keeps hostile input from overflowing the stack.</summary>
    private Nesting Nest(HoconToken open)
    {
        if (++_depth > MaxDepth) throw Error(open, $"objects and arrays nested deeper than {MaxDepth} levels");
        return new Nesting(this);
    }

    private readonly struct Nesting(HoconParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    private SyntaxObject ParseObjectBody(HoconPosition open, bool braced, string[] path)
    {
        var result = new SyntaxObject(open, []);
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var token = Peek;
            if (token.Kind == HoconTokenKind.CloseBrace)
            {
                if (!braced) throw Error(token, "unbalanced '}': no object is open here");
                Next();
                return result;
            }

            if (token.Kind == HoconTokenKind.End)
            {
                if (!braced) return result;
                throw Error(token, $"unbalanced braces: input ends before the '}}' closing the object opened at {open.Line}:{open.Column}");
            }

            if (IsIncludeDirective()) ParseInclude(result, path);
            else result.Fields.Add(ParseField(path));
            SkipSeparator(HoconTokenKind.CloseBrace, "expected ',' or a newline after the value");
        }
    }

    private SyntaxField ParseField(string[] path)
    {
        var start = Peek;
        var key = ParseKey();
        var keyText = HoconPath.Render(key);
        SkipWhitespace();
        var token = Peek;
        var append = false;
        switch (token.Kind)
        {
            case HoconTokenKind.Equals or HoconTokenKind.Colon or HoconTokenKind.PlusEquals:
                append = token.Kind == HoconTokenKind.PlusEquals;
                Next();
                SkipWhitespaceAndNewlines();
                break;
            case HoconTokenKind.OpenBrace:
                break;
            case HoconTokenKind.Newline when PeekPastNewlines().Kind == HoconTokenKind.OpenBrace:
                SkipWhitespaceAndNewlines();
                break;
            default:
                throw Error(token, $"expected '=' or ':' after key \"{keyText}\", found {token.Describe()}");
        }

        var value = ParseValue([.. path, .. key])
            ?? throw Error(Peek, $"expected a value for key \"{keyText}\", found {Peek.Describe()}");
        return new SyntaxField(key, append, value, start.Position);
    }

    private string[] ParseKey()
    {
        var start = Peek;
        var pieces = new List<HoconPathPiece>();
        while (Peek.Kind is HoconTokenKind.Unquoted or HoconTokenKind.Quoted or HoconTokenKind.Whitespace)
        {
            pieces.Add(new(Peek.Kind, Next().Text));
        }

        while (pieces.Count > 0 && pieces[^1].Kind == HoconTokenKind.Whitespace) pieces.RemoveAt(pieces.Count - 1);
        if (pieces.Count == 0) throw Error(start, $"expected a key, found {start.Describe()}");
        return HoconPath.Build(pieces, start.Position);
    }

    private HoconToken Next()
    {
        var token = _tokens[_index];
        if (token.Kind != HoconTokenKind.End) _index++;
        return token;
    }

    private HoconToken PeekPastNewlines()
    {
        var i = _index;
        while (_tokens[i].Kind is HoconTokenKind.Newline or HoconTokenKind.Whitespace) i++;
        return _tokens[i];
    }

    private void SkipWhitespace()
    {
        while (Peek.Kind == HoconTokenKind.Whitespace) _index++;
    }

    private void SkipWhitespaceAndNewlines()
    {
        while (Peek.Kind is HoconTokenKind.Whitespace or HoconTokenKind.Newline) _index++;
    }

    private static HoconParseException Error(HoconToken token, string reason) => new(token.Position, reason);

    /// <summary>After an element or field: one comma (never two in a row), a newline, the closing token or the end.</summary>
    private void SkipSeparator(HoconTokenKind close, string expected)
    {
        SkipWhitespace();
        var token = Peek;
        if (token.Kind == HoconTokenKind.Comma)
        {
            Next();
            SkipWhitespaceAndNewlines();
            if (Peek.Kind == HoconTokenKind.Comma) throw Error(Peek, "unexpected ',': two commas in a row");
        }
        else if (token.Kind != HoconTokenKind.Newline && token.Kind != close && token.Kind != HoconTokenKind.End)
        {
            throw Error(token, $"{expected}, found {token.Describe()}");
        }
    }
}
