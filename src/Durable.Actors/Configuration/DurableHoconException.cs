namespace Durable.Configuration;

/// <summary>
/// A HOCON file that cannot be read: the message starts with the file, and line and column when Akka's parser said
/// where it stopped (it reports a position for an unknown token, not for every error).
/// </summary>
public sealed class DurableHoconException(string file, (int Line, int Column)? position, string problem)
    : FormatException(position is { } at ? $"{file}:{at.Line}:{at.Column}: {problem}" : $"{file}: {problem}")
{
    public string File { get; } = file;
}
