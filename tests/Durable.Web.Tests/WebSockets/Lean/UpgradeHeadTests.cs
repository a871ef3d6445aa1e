using System.Buffers;
using System.Text;
using Durable.Web.Edge;
using Durable.Web.WebSockets.Lean;

namespace Durable.Web.Tests.WebSockets.Lean;

/// <summary>What the lean handshake takes from a connection's first bytes, and everything it leaves to Kestrel.</summary>
public sealed class UpgradeHeadTests
{
    private static readonly HeadLimits Limits = HeadLimits.Default;

    private const string Valid =
        "GET /ns/echo/name/room%201/websocket?x=1 HTTP/1.1\r\n" +
        "Host: 127.0.0.1:8787\r\n" +
        "Connection: keep-alive, Upgrade\r\n" +
        "Upgrade: websocket\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Protocol: chat, superchat\r\n" +
        "Sec-WebSocket-Protocol: v2\r\n" +
        "Origin: http://example.com\r\n" +
        "\r\n";

    [Fact]
    public void A_plain_upgrade_of_an_object_route_is_taken_with_its_parts()
    {
        var outcome = UpgradeHead.TryParse(Bytes(Valid), Limits, out var head);

        Assert.Equal(PeekOutcome.Upgrade, outcome);
        Assert.NotNull(head);
        Assert.Equal("/ns/echo/name/room%201/websocket?x=1", head.Target);
        Assert.Equal("/ns/echo/name/room%201/websocket", head.Path);
        Assert.Equal(ObjectAddressKind.Name, head.Kind);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", head.Key);
        Assert.Equal(Valid.Length, head.Length);
        Assert.Equal(["chat", "superchat", "v2"], head.RequestedProtocols());
        Assert.Contains(head.Headers, h => h.Key == "Origin" && h.Value == "http://example.com");
        Assert.Equal(2, head.Headers.Single(h => h.Key == "Sec-WebSocket-Protocol").Value.Count);
    }

    [Theory]
    [InlineData("GET /ns/counter/id/abc/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n")]
    [InlineData("GET /ns/a/name/b HTTP/1.1\r\nhost:x\r\nconnection:upgrade\r\nupgrade:websocket\r\nsec-websocket-version:13\r\nsec-websocket-key:AAAAAAAAAAAAAAAAAAAAAA==\r\ncontent-length: 0\r\n\r\n")]
    [InlineData("GET /ns/a/name/b HTTP/1.1\r\nHost: [::1]:80\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")]
    public void Variants_a_browser_or_client_library_sends_are_taken(string text) =>
        Assert.Equal(PeekOutcome.Upgrade, UpgradeHead.TryParse(Bytes(text), Limits, out _));

    [Theory]
    [InlineData("POST /ns/echo/name/a/websocket HTTP/1.1", "another method")]
    [InlineData("GET /ns/echo/name/a/websocket HTTP/1.0", "another version")]
    [InlineData("GET http://x/ns/echo/name/a/websocket HTTP/1.1", "absolute form")]
    [InlineData("GET /socket/websocket?vsn=2.0.0 HTTP/1.1", "the Phoenix socket")]
    [InlineData("GET /ns/echo/ids HTTP/1.1", "not an object route")]
    [InlineData("GET /ns/echo/named/a/ HTTP/1.1", "not name or id")]
    [InlineData("GET /ns/echo/name/a b/ HTTP/1.1", "a space in the target")]
    [InlineData("GET /ns/echo/name/a/#frag HTTP/1.1", "a fragment")]
    [InlineData("GET  /ns/echo/name/a/ HTTP/1.1", "two spaces")]
    [InlineData("get /ns/echo/name/a/ HTTP/1.1", "a lowercase method")]
    [InlineData("PRI * HTTP/2.0", "HTTP/2 prior knowledge")]
    public void Other_request_lines_are_left_to_Kestrel(string requestLine, string why)
    {
        var text = requestLine + "\r\n" + Headers() + "\r\n";
        Assert.True(UpgradeHead.TryParse(Bytes(text), Limits, out _) == PeekOutcome.NotLean, why);
    }

    [Theory]
    [InlineData("Host", null, "no Host")]
    [InlineData("Host", "", "an empty Host")]
    [InlineData("Host", "a b", "a Host with a space")]
    [InlineData("Upgrade", null, "no Upgrade")]
    [InlineData("Upgrade", "h2c", "another protocol")]
    [InlineData("Upgrade", "websocket, h2c", "a list of protocols")]
    [InlineData("Connection", null, "no Connection")]
    [InlineData("Connection", "keep-alive", "no upgrade token")]
    [InlineData("Connection", "Upgrade, close", "close")]
    [InlineData("Sec-WebSocket-Version", null, "no version")]
    [InlineData("Sec-WebSocket-Version", "8", "an old version")]
    [InlineData("Sec-WebSocket-Key", null, "no key")]
    [InlineData("Sec-WebSocket-Key", "short", "a key that is not 16 bytes")]
    [InlineData("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=", "a key of 17 bytes")]
    [InlineData("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!==", "a key that is not base64")]
    public void Handshake_headers_missing_or_wrong_are_left_to_Kestrel(string name, string? value, string why)
    {
        var text = "GET /ns/echo/name/a/websocket HTTP/1.1\r\n" + Headers(name, value) + "\r\n";
        Assert.True(UpgradeHead.TryParse(Bytes(text), Limits, out _) == PeekOutcome.NotLean, why);
    }

    [Theory]
    [InlineData("Host: y\r\n", "a second Host")]
    [InlineData("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n", "a second key")]
    [InlineData("Sec-WebSocket-Version: 13\r\n", "a second version")]
    [InlineData("Content-Length: 5\r\n", "a body")]
    [InlineData("Transfer-Encoding: chunked\r\n", "a chunked body")]
    [InlineData("Expect: 100-continue\r\n", "Expect")]
    [InlineData("X-Folded: a\r\n b\r\n", "a folded header")]
    [InlineData("Bad Name: a\r\n", "a space in a header name")]
    [InlineData("Name : a\r\n", "a space before the colon")]
    [InlineData(": a\r\n", "an empty header name")]
    [InlineData("NoColon\r\n", "no colon")]
    [InlineData("X-Text: caf\u00e9\r\n", "a non-ASCII value")]
    [InlineData("X-Text: a\u0001b\r\n", "a control character")]
    [InlineData("X-Text: a\nb\r\n", "a bare LF")]
    [InlineData("X-Text: a\rb\r\n", "a bare CR")]
    public void Anything_unusual_among_the_headers_is_left_to_Kestrel(string extra, string why)
    {
        var text = "GET /ns/echo/name/a/websocket HTTP/1.1\r\n" + Headers() + extra + "\r\n";
        Assert.True(UpgradeHead.TryParse(Bytes(text, Encoding.Latin1), Limits, out _) == PeekOutcome.NotLean, why);
    }

    [Fact]
    public void More_headers_than_Kestrel_allows_are_left_to_Kestrel()
    {
        var many = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: v\r\n"));
        var text = "GET /ns/echo/name/a/websocket HTTP/1.1\r\n" + Headers() + many + "\r\n";
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(text), Limits with { Length = 64 * 1024 }, out _));
    }

    [Fact]
    public void Kestrel_limits_tighter_than_the_defaults_are_kept()
    {
        var kestrel = new Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits { MaxRequestHeaderCount = 4, MaxRequestLineSize = 20 };
        var limits = HeadLimits.Within(kestrel);

        Assert.Equal(new HeadLimits(HeadLimits.Default.Length, 20, 4), limits);
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(Valid), limits, out _));
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(Valid), limits with { RequestLine = 8192 }, out _));
        Assert.Equal(PeekOutcome.Upgrade, UpgradeHead.TryParse(Bytes(Valid), limits with { RequestLine = 8192, Headers = 9 }, out _));
    }

    [Fact]
    public void Bytes_after_the_head_are_left_to_Kestrel()
    {
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(Valid + "GET / HTTP/1.1\r\n\r\n"), Limits, out _));
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(Valid + "\x81"), Limits, out _));
    }

    [Fact]
    public void A_head_over_the_limit_is_left_to_Kestrel_complete_or_not()
    {
        var padding = "X-Pad: " + new string('a', Limits.Length) + "\r\n";
        var text = "GET /ns/echo/name/a/websocket HTTP/1.1\r\n" + Headers() + padding + "\r\n";
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(text), Limits, out _));
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes(text[..(Limits.Length + 10)]), Limits, out _));
    }

    [Fact]
    public void Every_prefix_of_a_valid_head_is_incomplete()
    {
        var bytes = Encoding.ASCII.GetBytes(Valid);
        for (var length = 0; length < bytes.Length; length++)
            Assert.True(UpgradeHead.TryParse(new ReadOnlySequence<byte>(bytes, 0, length), Limits, out _) == PeekOutcome.Incomplete, $"{length} bytes");
    }

    [Fact]
    public void A_head_split_into_two_segments_at_any_byte_is_taken()
    {
        var bytes = Encoding.ASCII.GetBytes(Valid);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var outcome = UpgradeHead.TryParse(Split(bytes, split), Limits, out var head);
            Assert.True(outcome == PeekOutcome.Upgrade, $"split at {split}: {outcome}");
            Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", head!.Key);
        }
    }

    [Fact]
    public void A_head_that_goes_wrong_is_refused_as_soon_as_the_prefix_differs()
    {
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes("GET /healthz"), Limits, out _));
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes("POST"), Limits, out _));
        Assert.Equal(PeekOutcome.Incomplete, UpgradeHead.TryParse(Bytes("GET /n"), Limits, out _));
        Assert.Equal(PeekOutcome.NotLean, UpgradeHead.TryParse(Bytes("\x16\x03\x01"), Limits, out _)); // a TLS ClientHello
    }

    private static string Headers(string? replace = null, string? value = null)
    {
        string[][] headers =
        [
            ["Host", "localhost:8787"], ["Connection", "Upgrade"], ["Upgrade", "websocket"], ["Sec-WebSocket-Version", "13"],
            ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
        ];
        var text = new StringBuilder();
        foreach (var header in headers)
        {
            if (header[0] != replace) text.Append(header[0]).Append(": ").Append(header[1]).Append("\r\n");
            else if (value is not null) text.Append(header[0]).Append(": ").Append(value).Append("\r\n");
        }
        return text.ToString();
    }

    private static ReadOnlySequence<byte> Bytes(string text, Encoding? encoding = null) => new((encoding ?? Encoding.ASCII).GetBytes(text));

    private static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        var first = new Segment(bytes.AsMemory(0, at), 0);
        var second = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
