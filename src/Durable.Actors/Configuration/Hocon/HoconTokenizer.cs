using System.Text;

namespace Durable.Configuration.Hocon;

/// <summary>Turns HOCON text into tokens, each with its position. Comments are dropped here.</summary>
internal sealed partial class HoconTokenizer
{
    private readonly string _text;
    private readonly string _file;
    private readonly List<HoconToken> _tokens = [];
    private int _offset;
    private int _line = 1;
    private int _column = 1;

    private HoconTokenizer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public static List<HoconToken> Tokenize(string text, string file) => new HoconTokenizer(text, file).Run();

    private HoconPosition Here => new(_file, _line, _column);

    private List<HoconToken> Run()
    {
        while (_offset < _text.Length)
        {
            var start = Here;
            var c = _text[_offset];
            if (c == '\n')
            {
                Advance();
                Add(HoconTokenKind.Newline, "\n", start);
            }
            else if (IsWhitespace(c))
            {
                Add(HoconTokenKind.Whitespace, ReadWhile(IsWhitespace), start);
            }
            else if (c == '#' || StartsWith("//"))
            {
                while (_offset < _text.Length && _text[_offset] != '\n') Advance();
            }
            else if (PunctuationKind(c) is { } kind)
            {
                Advance();
                Add(kind, c.ToString(), start);
            }
            else if (c == '+' && CharAt(1) == '=')
            {
                Advance();
                Advance();
                Add(HoconTokenKind.PlusEquals, "+=", start);
            }
            else if (c == '"')
            {
                Add(HoconTokenKind.Quoted, ReadQuoted(), start);
            }
            else if (c == '$')
            {
                _tokens.Add(ReadSubstitution());
            }
            else
            {
                Add(HoconTokenKind.Unquoted, ReadUnquoted(), start);
            }
        }

        Add(HoconTokenKind.End, "", Here);
        return _tokens;
    }

    private string ReadUnquoted()
    {
        var text = new StringBuilder();
        while (_offset < _text.Length)
        {
            var c = _text[_offset];
            if (EndsUnquoted(c) || (c == '/' && CharAt(1) == '/')) break;
            if (c == '+')
            {
                if (CharAt(1) == '=') break;
                // Spec reserves '+', but numbers such as 1e+5 must still read as written.
                if (!IsExponentSign(text)) throw Reserved(c);
            }
            else if (IsReserved(c))
            {
                throw Reserved(c);
            }

            text.Append(c);
            Advance();
        }

        return text.ToString();
    }

    private HoconParseException Reserved(char c) =>
        new(Here, $"reserved character '{c}' is not allowed outside quotes");

    private static bool IsExponentSign(StringBuilder text)
    {
        if (text.Length < 2 || text[^1] is not ('e' or 'E')) return false;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (!char.IsAsciiDigit(text[i]) && text[i] is not ('.' or '-')) return false;
        }

        return true;
    }

    internal static bool IsWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private static bool EndsUnquoted(char c) =>
        c == '\n' || IsWhitespace(c) || c is '"' or '$' or '#' || PunctuationKind(c) is not null;

    private static bool IsReserved(char c) => c is '`' or '^' or '?' or '!' or '@' or '*' or '&' or '\\';

    private static HoconTokenKind? PunctuationKind(char c) => c switch
    {
        ',' => HoconTokenKind.Comma,
        '=' => HoconTokenKind.Equals,
        ':' => HoconTokenKind.Colon,
        '{' => HoconTokenKind.OpenBrace,
        '}' => HoconTokenKind.CloseBrace,
        '[' => HoconTokenKind.OpenBracket,
        ']' => HoconTokenKind.CloseBracket,
        _ => null,
    };

    private void Add(HoconTokenKind kind, string text, HoconPosition start) => _tokens.Add(new(kind, text, start));

    private string ReadWhile(Func<char, bool> predicate)
    {
        var start = _offset;
        while (_offset < _text.Length && predicate(_text[_offset])) Advance();
        return _text[start.._offset];
    }

    private bool StartsWith(string s) => string.CompareOrdinal(_text, _offset, s, 0, s.Length) == 0;

    private char CharAt(int ahead) => _offset + ahead < _text.Length ? _text[_offset + ahead] : '\0';

    private void Advance()
    {
        if (_text[_offset] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _offset++;
    }
}
