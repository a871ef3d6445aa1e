namespace Durable.Configuration.Hocon;

/// <summary>
/// Malformed HOCON or an unresolvable substitution. The message starts with <c>file:line:column</c>
/// so it can be pasted straight into an editor's "go to".
/// </summary>
public sealed class HoconParseException : FormatException
{
    public HoconParseException(HoconPosition position, string reason)
        : base($"{position}: {reason}")
    {
        Position = position;
        Reason = reason;
    }

    public HoconPosition Position { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Reason { get; }

    public string File => Position.File;

    public int Line => Position.Line;

    public int Column => Position.Column;
}
