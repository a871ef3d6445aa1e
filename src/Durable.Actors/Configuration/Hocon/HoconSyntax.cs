namespace Durable.Configuration.Hocon;

/// <summary>What the parser produces: values as written, before any merging or substitution.</summary>
internal abstract record HoconSyntax(HoconPosition Position);

/// <summary>An object is the ordered list of its assignments; merging happens later, in that order.</summary>
internal sealed record SyntaxObject(HoconPosition Position, List<SyntaxField> Fields) : HoconSyntax(Position);

/// <summary><c>a.b = v</c> has Path [a, b]; <c>a += v</c> has Append set.</summary>
internal sealed record SyntaxField(string[] Path, bool Append, HoconSyntax Value, HoconPosition Position);

internal sealed record SyntaxArray(HoconPosition Position, List<HoconSyntax> Items) : HoconSyntax(Position);

internal enum ScalarKind
{
    Unquoted,
    Quoted,
    Whitespace,
}

/// <summary>A literal; <see cref="Text"/> is null only for a bare <c>null</c>.</summary>
internal sealed record SyntaxScalar(HoconPosition Position, string? Text, ScalarKind Kind) : HoconSyntax(Position);

/// <summary>
/// <c>${path}</c>. <see cref="Path"/> is relative to the root of the whole configuration (an included file's
/// substitutions are prefixed with where it is included); <see cref="EnvironmentName"/> is the path as written.
/// </summary>
internal sealed record SyntaxSubstitution(
    HoconPosition Position, string[] Path, bool Optional, string Expression, string EnvironmentName)
    : HoconSyntax(Position);

/// <summary>Values written next to each other on one line: <c>foo bar</c>, <c>${a}/b</c>, <c>${base} { x = 1 }</c>.</summary>
internal sealed record SyntaxConcat(HoconPosition Position, List<HoconSyntax> Parts) : HoconSyntax(Position);
