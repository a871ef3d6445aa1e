using System.Text;

namespace Durable.Configuration.Hocon;

/// <summary>Builds path segments from key or substitution pieces: <c>a."b.c".d</c> is [a, b.c, d].</summary>
internal static class HoconPath
{
    public static string[] Build(IReadOnlyList<HoconPathPiece> pieces, HoconPosition position)
    {
        var segments = new List<string>();
        var segment = new StringBuilder();
        var hasSegment = false;
        foreach (var piece in pieces)
        {
            if (piece.Kind != HoconTokenKind.Unquoted)
            {
                segment.Append(piece.Text);
                hasSegment = true;
                continue;
            }

            foreach (var c in piece.Text)
            {
                if (c != '.')
                {
                    segment.Append(c);
                    hasSegment = true;
                    continue;
                }

                if (!hasSegment) throw EmptySegment(pieces, position);
                segments.Add(segment.ToString());
                segment.Clear();
                hasSegment = false;
            }
        }

        if (!hasSegment) throw EmptySegment(pieces, position);
        segments.Add(segment.ToString());
        return [.. segments];
    }

    public static string Render(IEnumerable<string> path) =>
        string.Join('.', path.Select(s => s.Length > 0 && !s.Contains('.') && !s.Contains('"') ? s : $"\"{s}\""));

    public static bool StartsWith(string[] path, string[] prefix) =>
        path.Length >= prefix.Length && prefix.AsSpan().SequenceEqual(path.AsSpan(0, prefix.Length));

    private static HoconParseException EmptySegment(IReadOnlyList<HoconPathPiece> pieces, HoconPosition position)
    {
        var raw = string.Concat(pieces.Select(p => p.Kind == HoconTokenKind.Quoted ? $"\"{p.Text}\"" : p.Text));
        return new HoconParseException(position,
            $"invalid path '{raw}': a path segment is empty (quote keys that contain '.')");
    }
}
