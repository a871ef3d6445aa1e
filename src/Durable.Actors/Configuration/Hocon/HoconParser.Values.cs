namespace Durable.Configuration.Hocon;

internal sealed partial class HoconParser
{
    /// <summary>Reads everything up to the end of the value (comma, newline, closing bracket); null if there is none.</summary>
    private HoconSyntax? ParseValue(string[] path)
    {
        var parts = new List<HoconSyntax>();
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case HoconTokenKind.Unquoted:
                    parts.Add(new SyntaxScalar(Next().Position, token.Text, ScalarKind.Unquoted));
                    continue;
                case HoconTokenKind.Quoted:
                    parts.Add(new SyntaxScalar(Next().Position, token.Text, ScalarKind.Quoted));
                    continue;
                case HoconTokenKind.Whitespace:
                    parts.Add(new SyntaxScalar(Next().Position, token.Text, ScalarKind.Whitespace));
                    continue;
                case HoconTokenKind.Substitution:
                    Next();
                    parts.Add(new SyntaxSubstitution(
                        token.Position, [.. _prefix, .. token.Path], token.Optional, token.Text,
                        string.Join('.', token.Path)));
                    continue;
                case HoconTokenKind.OpenBrace:
                    parts.Add(ParseBracedObject(path));
                    continue;
                case HoconTokenKind.OpenBracket:
                    parts.Add(ParseArray());
                    continue;
            }

            break;
        }

        while (parts.Count > 0 && parts[^1] is SyntaxScalar { Kind: ScalarKind.Whitespace }) parts.RemoveAt(parts.Count - 1);
        while (parts.Count > 0 && parts[0] is SyntaxScalar { Kind: ScalarKind.Whitespace }) parts.RemoveAt(0);
        return parts.Count switch
        {
            0 => null,
            1 when parts[0] is SyntaxScalar { Kind: ScalarKind.Unquoted, Text: "null" } n => n with { Text = null },
            1 => parts[0],
            _ => new SyntaxConcat(parts[0].Position, parts),
        };
    }

    private SyntaxArray ParseArray()
    {
        var open = Next();
        using var nesting = Nest(open);
        var array = new SyntaxArray(open.Position, []);
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var token = Peek;
            if (token.Kind == HoconTokenKind.CloseBracket)
            {
                Next();
                return array;
            }

            if (token.Kind == HoconTokenKind.End)
            {
                throw Error(token, $"unbalanced brackets: input ends before the ']' closing the array opened at {open.Position.Line}:{open.Position.Column}");
            }

            // Objects inside arrays are not fields, so they carry no path for includes to be relative to.
            var item = ParseValue([]) ?? throw Error(token, $"expected an array element or ']', found {token.Describe()}");
            array.Items.Add(item);
            SkipSeparator(HoconTokenKind.CloseBracket, "expected ',' or ']' after an array element");
        }
    }
}
