using System.Buffers;
using System.Text;
using Durable.Web.Edge;
using Microsoft.Extensions.Primitives;

namespace Durable.Web.WebSockets.Lean;

/// <summary>What a peek at a connection's first bytes found.</summary>
internal enum PeekOutcome
{
    /// <summary>The head may still become a lean upgrade: read more.</summary>
    Incomplete,

    /// <summary>Anything else: Kestrel's HTTP pipeline gets the connection untouched.</summary>
    NotLean,

    /// <summary>A complete, well-formed WebSocket upgrade of an object route.</summary>
    Upgrade,
}

/// <summary>
/// The head of a connection's first HTTP/1.1 request when it is a WebSocket upgrade of an object route
/// (<c>GET /ns/{namespace}/name|id/{key}/…</c>) that the lean handshake may answer without Kestrel's HTTP layer. The
/// parse is deliberately narrower than HTTP: another method or version, an absolute-form target, a character outside
/// the URI set, folded, non-ASCII or repeated handshake headers, a body, <c>Expect</c>, a <c>Connection</c> token other
/// than upgrade/keep-alive, more headers than Kestrel allows, a head longer than the limit, any byte after the head
/// (pipelined): all are <see cref="PeekOutcome.NotLean"/>, so Kestrel answers them exactly as it does without the lean
/// path.
/// </summary>
internal sealed class UpgradeHead
{
    private const string Prefix = "GET /ns/";
    private static readonly byte[] PrefixBytes = Encoding.ASCII.GetBytes(Prefix);
    private static readonly char[] Whitespace = [' ', '\t'];
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();
    private static readonly SearchValues<char> TargetChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%");
    private static readonly SearchValues<char> TokenChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~");
    private static readonly SearchValues<char> HostChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:[]");

    private UpgradeHead(string target, ObjectAddressKind kind, string key, List<KeyValuePair<string, StringValues>> headers, int length)
    {
        Target = target;
        Kind = kind;
        Key = key;
        Headers = headers;
        Length = length;
    }

    /// <summary>The raw request target, origin form (<c>/ns/…</c>).</summary>
    public string Target { get; }

    public ObjectAddressKind Kind { get; }

    /// <summary>The client's <c>Sec-WebSocket-Key</c>.</summary>
    public string Key { get; }

    /// <summary>The request's headers as the client sent them, repeated names merged (first spelling, first position).</summary>
    public IReadOnlyList<KeyValuePair<string, StringValues>> Headers { get; }

    /// <summary>Bytes of the head, its closing empty line included (all the bytes the client sent so far).</summary>
    public int Length { get; }

    /// <summary>The subprotocols the client offered (<c>Sec-WebSocket-Protocol</c>, comma-separated, possibly repeated).</summary>
    public List<string> RequestedProtocols()
    {
        var protocols = new List<string>();
        foreach (var (name, values) in Headers)
        {
            if (!name.Equals("Sec-WebSocket-Protocol", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values)
                protocols.AddRange(value!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
        return protocols;
    }

    /// <summary>The path of <see cref="Target"/>, for logs.</summary>
    public string Path => Target.IndexOf('?') is >= 0 and var q ? Target[..q] : Target;

    /// <summary>Reads <paramref name="buffer"/> (the connection's first bytes) as far as it needs to decide; a head
    /// past <paramref name="limits"/> is <see cref="PeekOutcome.NotLean"/>.</summary>
    public static PeekOutcome TryParse(ReadOnlySequence<byte> buffer, HeadLimits limits, out UpgradeHead? head)
    {
        var limit = limits.Length;
        head = null;
        Span<byte> start = stackalloc byte[PrefixBytes.Length];
        var prefix = start[..(int)Math.Min(buffer.Length, start.Length)];
        buffer.Slice(0, prefix.Length).CopyTo(prefix);
        if (!PrefixBytes.AsSpan().StartsWith(prefix)) return PeekOutcome.NotLean;
        // Searched in place: a head that trickles in is looked at again on every read, but copied only once complete.
        var reader = new SequenceReader<byte>(buffer.Length > limit ? buffer.Slice(0, limit) : buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHead, advancePastDelimiter: true))
            return buffer.Length >= limit ? PeekOutcome.NotLean : PeekOutcome.Incomplete;
        // Bytes after the head (a pipelined request, or frames sent before the 101) are Kestrel's to judge.
        if (reader.Consumed != buffer.Length) return PeekOutcome.NotLean;
        ReadOnlySpan<byte> bytes = buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray();
        return TryParseHead(bytes, limits, out head) ? PeekOutcome.Upgrade : PeekOutcome.NotLean;
    }

    private static bool TryParseHead(ReadOnlySpan<byte> bytes, HeadLimits limits, out UpgradeHead? head)
    {
        head = null;
        // Printable ASCII and tabs only; CR only before LF and LF only after CR (Kestrel refuses the rest or reads it
        // differently, so it gets the connection).
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b is >= 0x20 and < 0x7F or (byte)'\t') continue;
            if (b == '\r' && i + 1 < bytes.Length && bytes[i + 1] == '\n') continue;
            if (b == '\n' && i > 0 && bytes[i - 1] == '\r') continue;
            return false;
        }
        var lines = Encoding.ASCII.GetString(bytes[..^4]).Split("\r\n");
        if (lines[0].Length > limits.RequestLine || lines.Length - 1 > limits.Headers) return false;
        if (!TryParseRequestLine(lines[0], out var target, out var kind)) return false;
        var headers = new List<KeyValuePair<string, StringValues>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':');
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAnyExcept(TokenChars)) return false; // also folded lines
            Add(headers, line[..colon], line[(colon + 1)..].Trim(Whitespace));
        }
        if (!IsHandshake(headers, out var key)) return false;
        head = new UpgradeHead(target, kind, key, headers, bytes.Length);
        return true;
    }

    private static bool TryParseRequestLine(string line, out string target, out ObjectAddressKind kind)
    {
        target = "";
        kind = default;
        if (!line.EndsWith(" HTTP/1.1", StringComparison.Ordinal)) return false;
        target = line[4..^9];
        if (target.Length == 0 || target.AsSpan().ContainsAnyExcept(TargetChars)) return false;
        // The routes' literal segments, exactly as routed: /ns/{namespace}/name/… or /ns/{namespace}/id/….
        var afterNamespace = target.IndexOf('/', 4);
        var rest = afterNamespace < 0 ? "" : target[(afterNamespace + 1)..];
        if (rest.StartsWith("name/", StringComparison.Ordinal)) kind = ObjectAddressKind.Name;
        else if (rest.StartsWith("id/", StringComparison.Ordinal)) kind = ObjectAddressKind.Id;
        else return false;
        return true;
    }

    private static void Add(List<KeyValuePair<string, StringValues>> headers, string name, string value)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (!headers[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
            headers[i] = new(headers[i].Key, StringValues.Concat(headers[i].Value, value));
            return;
        }
        headers.Add(new(name, value));
    }

    private static bool IsHandshake(List<KeyValuePair<string, StringValues>> headers, out string key)
    {
        key = "";
        string? host = null, upgrade = null, version = null;
        var connectionUpgrade = false;
        foreach (var (name, values) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) host = Single(values);
            else if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)) upgrade = Single(values);
            else if (name.Equals("Sec-WebSocket-Version", StringComparison.OrdinalIgnoreCase)) version = Single(values);
            else if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase)) key = Single(values) ?? "";
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) { if (Single(values) != "0") return false; }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)) return false;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var value in values)
                {
                    foreach (var token in value!.Split(',', StringSplitOptions.TrimEntries))
                    {
                        if (token.Equals("upgrade", StringComparison.OrdinalIgnoreCase)) connectionUpgrade = true;
                        else if (!token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) return false;
                    }
                }
            }
        }
        return connectionUpgrade
            && host is { Length: > 0 } && !host.AsSpan().ContainsAnyExcept(HostChars)
            && string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            && version == "13"
            && IsKeyValid(key);
    }

    private static string? Single(StringValues values) => values.Count == 1 ? values[0] : null;

    /// <summary>RFC 6455 §4.1: the key is 16 bytes, base64.</summary>
    private static bool IsKeyValid(string key)
    {
        Span<byte> decoded = stackalloc byte[16];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }
}
