namespace Durable.Configuration.Hocon;

internal enum HoconTokenKind
{
    End,
    Whitespace,
    Newline,
    Comma,
    Equals,
    Colon,
    PlusEquals,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Unquoted,
    Quoted,
    Substitution,
}

/// <summary>
/// One token. For <see cref="HoconTokenKind.Substitution"/>, <see cref="Text"/> is the expression between
/// <c>${</c> (or <c>${?</c>) and <c>}</c> and <see cref="Path"/> its parsed segments.
/// </summary>
internal sealed record HoconToken(HoconTokenKind Kind, string Text, HoconPosition Position)
{
    public string[] Path { get; init; } = [];

    public bool Optional { get; init; }

    public string Describe() => Kind switch
    {
        HoconTokenKind.End => "end of input",
        HoconTokenKind.Newline => "a newline",
        HoconTokenKind.Whitespace => "whitespace",
        HoconTokenKind.Quoted => $"\"{Text}\"",
        HoconTokenKind.Substitution => $"'${{{(Optional ? "?" : "")}{Text}}}'",
        _ => $"'{Text}'",
    };
}

/// <summary>A piece of a key or substitution path: unquoted text is split on '.', quoted text is not.</summary>
internal readonly record struct HoconPathPiece(HoconTokenKind Kind, string Text);
