using System.Globalization;
using System.Text;

namespace Durable.Web.Edge;

/// <summary>How an object route names its object: <c>/ns/{namespace}/name/{name}/…</c> or <c>/ns/{namespace}/id/{id}/…</c>.</summary>
internal enum ObjectAddressKind
{
    Name,
    Id,
}

/// <summary>
/// The parts of an object route, read from the raw request target rather than the decoded path, so that the object
/// gets its path and query exactly as the client encoded them (a kv key may hold an escaped '/') and the name is
/// decoded once, strictly: invalid percent escapes or invalid UTF-8 are a bad request, never a lossy name. Dot
/// segments are refused because the server's normalization of them would make the routed and the raw path disagree.
/// </summary>
internal readonly record struct ObjectAddress(string Namespace, string Key, string PathAndQuery)
{
    private const string Prefix = "/ns/";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses <c>/ns/{namespace}/{kind}/{key}[/path][?query]</c>; the path defaults to "/".</summary>
    public static bool TryParse(string rawTarget, out ObjectAddress address, out string error)
    {
        address = default;
        var target = OriginForm(rawTarget);
        var queryStart = target.IndexOf('?');
        var path = queryStart < 0 ? target : target[..queryStart];
        var query = queryStart < 0 ? "" : target[queryStart..];
        if (!TrySplit(path, 3, out var segments, out var rest, out error)) return false;
        if (!TryDecode(segments[0], "namespace", out var ns, out error) || !TryDecode(segments[2], "name or id", out var key, out error))
            return false;
        address = new ObjectAddress(ns, key, (rest.Length == 0 ? "/" : rest) + query);
        return true;
    }

    /// <summary>The namespace of <c>/ns/{namespace}/…</c>.</summary>
    public static bool TryParseNamespace(string rawTarget, out string ns, out string error)
    {
        ns = "";
        var target = OriginForm(rawTarget);
        var queryStart = target.IndexOf('?');
        return TrySplit(queryStart < 0 ? target : target[..queryStart], 1, out var segments, out _, out error)
            && TryDecode(segments[0], "namespace", out ns, out error);
    }

    // "http://host/ns/…" (absolute form, from proxies) becomes "/ns/…".
    private static string OriginForm(string rawTarget)
    {
        if (rawTarget.StartsWith('/')) return rawTarget;
        var scheme = rawTarget.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return rawTarget;
        var slash = rawTarget.IndexOf('/', scheme + 3);
        return slash < 0 ? "/" : rawTarget[slash..];
    }

    private static bool TrySplit(string path, int count, out string[] segments, out string rest, out string error)
    {
        segments = new string[count];
        rest = "";
        error = "";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"The path must start with {Prefix}.";
            return false;
        }
        foreach (var segment in path.Split('/'))
        {
            if (IsDotSegment(segment))
            {
                error = "The path has a '.' or '..' segment; object paths are taken literally, so resolve them before sending.";
                return false;
            }
        }
        var position = Prefix.Length;
        for (var i = 0; i < count; i++)
        {
            var end = path.IndexOf('/', position);
            segments[i] = end < 0 ? path[position..] : path[position..end];
            if (segments[i].Length == 0)
            {
                error = "The path has an empty segment where a namespace, name or id belongs.";
                return false;
            }
            if (end < 0)
            {
                if (i < count - 1)
                {
                    error = "The path is too short: expected /ns/{namespace}/name/{name}/… or /ns/{namespace}/id/{id}/….";
                    return false;
                }
                return true;
            }
            position = end + 1;
        }
        rest = path[(position - 1)..];
        return true;
    }

    private static bool IsDotSegment(string segment) =>
        segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase) is "." or "..";

    /// <summary>Percent-decodes a path segment as strict UTF-8 ('+' stays '+').</summary>
    public static bool TryDecode(string segment, string what, out string value, out string error)
    {
        value = segment;
        error = "";
        if (!segment.Contains('%')) return true;
        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(segment.Length)];
        var length = 0;
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%')
            {
                if (i + 2 >= segment.Length
                    || !byte.TryParse(segment.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    error = $"The {what} '{segment}' has a malformed percent escape.";
                    return false;
                }
                bytes[length++] = b;
                i += 2;
            }
            else
            {
                length += Encoding.UTF8.GetBytes(segment.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < segment.Length ? 2 : 1), bytes.AsSpan(length));
                if (char.IsHighSurrogate(c)) i++;
            }
        }
        try
        {
            value = StrictUtf8.GetString(bytes, 0, length);
            return true;
        }
        catch (DecoderFallbackException)
        {
            error = $"The {what} '{segment}' does not decode to valid UTF-8.";
            return false;
        }
    }
}
