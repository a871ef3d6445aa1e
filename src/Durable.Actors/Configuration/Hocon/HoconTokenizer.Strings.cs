using System.Globalization;
using System.Text;

namespace Durable.Configuration.Hocon;

internal sealed partial class HoconTokenizer
{
    private string ReadQuoted()
    {
        var open = Here;
        if (StartsWith("\"\"\"")) return ReadTripleQuoted(open);

        Advance();
        var text = new StringBuilder();
        while (true)
        {
            if (_offset >= _text.Length || _text[_offset] == '\n')
            {
                throw new HoconParseException(open,
                    "unterminated quoted string (a quoted string ends on its line; use \"\"\" for multi-line text)");
            }

            var c = _text[_offset];
            if (c == '"')
            {
                Advance();
                return text.ToString();
            }

            if (c == '\\')
            {
                text.Append(ReadEscape());
                continue;
            }

            text.Append(c);
            Advance();
        }
    }

    private char ReadEscape()
    {
        var at = Here;
        Advance();
        var c = _offset < _text.Length ? _text[_offset] : '\0';
        var decoded = c switch
        {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\b',
            'f' => '\f',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => 'u',
            _ => throw new HoconParseException(at, c is '\0' or '\n'
                ? "unterminated escape sequence in quoted string"
                : $"invalid escape '\\{c}' in quoted string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
        };
        Advance();
        if (decoded != 'u') return decoded;

        var hex = _offset + 4 <= _text.Length ? _text.Substring(_offset, 4) : "";
        if (!ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
        {
            throw new HoconParseException(at, "invalid escape '\\u': expected four hex digits");
        }

        for (var i = 0; i < 4; i++) Advance();
        return (char)code;
    }

    private string ReadTripleQuoted(HoconPosition open)
    {
        for (var i = 0; i < 3; i++) Advance();
        var start = _offset;
        while (_offset < _text.Length)
        {
            if (StartsWith("\"\"\""))
            {
                // Quotes beyond the closing three belong to the string ("""a"""" is a").
                var run = 0;
                while (CharAt(run) == '"') run++;
                var text = _text[start.._offset] + new string('"', run - 3);
                for (var i = 0; i < run; i++) Advance();
                return text;
            }

            Advance();
        }

        throw new HoconParseException(open, "unterminated triple-quoted string: expected closing \"\"\"");
    }

    private HoconToken ReadSubstitution()
    {
        var open = Here;
        if (CharAt(1) != '{')
        {
            throw new HoconParseException(open, "'$' must start a substitution '${path}'; quote it to use a literal '$'");
        }

        Advance();
        Advance();
        var optional = false;
        if (CharAt(0) == '?')
        {
            optional = true;
            Advance();
        }

        var expressionStart = _offset;
        var pieces = new List<HoconPathPiece>();
        while (true)
        {
            var c = CharAt(0);
            if (_offset >= _text.Length || c == '\n')
            {
                throw new HoconParseException(open, "unterminated substitution: expected '}'");
            }

            if (c == '}') break;
            if (c == '"') pieces.Add(new(HoconTokenKind.Quoted, ReadQuoted()));
            else if (IsWhitespace(c)) pieces.Add(new(HoconTokenKind.Whitespace, ReadWhile(IsWhitespace)));
            else if (IsPathChar(c)) pieces.Add(new(HoconTokenKind.Unquoted, ReadWhile(IsPathChar)));
            else throw new HoconParseException(Here, $"invalid character '{c}' in substitution");
        }

        var expression = _text[expressionStart.._offset].Trim();
        Advance();
        if (expression.Length == 0)
        {
            throw new HoconParseException(open, $"empty substitution '${{{(optional ? "?" : "")}}}': expected a path");
        }

        var path = HoconPath.Build(pieces, open);
        return new HoconToken(HoconTokenKind.Substitution, expression, open) { Path = path, Optional = optional };
    }

    private static bool IsPathChar(char c) => !EndsUnquoted(c) && !IsReserved(c) && c != '+';
}
