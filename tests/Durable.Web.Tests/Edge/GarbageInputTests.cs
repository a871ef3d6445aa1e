using System.Net.Sockets;
using System.Text;

namespace Durable.Web.Tests.Edge;

/// <summary>Malformed requests get a 4xx (JSON from the edge, or Kestrel's own 400 for unparseable HTTP), and the node stays healthy.</summary>
public sealed class GarbageInputTests(EdgeHostFixture fixture) : IClassFixture<EdgeHostFixture>
{
    private EdgeHost Node => fixture.Host;

    [Theory]
    [InlineData("/ns/")]
    [InlineData("/ns/counter")]
    [InlineData("/ns/counter/")]
    [InlineData("/ns/counter/name")]
    [InlineData("/ns/counter/name/")]
    [InlineData("/ns/counter/named/a/")]
    [InlineData("/ns//name/a/")]
    [InlineData("/ns/counter/name/%C3/")]
    [InlineData("/ns/counter/name/%ED%A0%80/")]
    [InlineData("/ns/%FF/name/a/")]
    [InlineData("/ns/counter/id//")]
    public async Task Malformed_object_paths_are_bad_request_or_not_found(string target)
    {
        var answer = await Node.GetAsync(target);

        Assert.InRange(answer.Status, 400, 499);
        Assert.NotNull(answer.ErrorCode);
        await AssertHealthyAsync();
    }

    [Theory]
    [InlineData("GET /ns/counter/name/a/../b HTTP/1.1")]
    [InlineData("GET /ns/counter/name/a/%2e%2e/b HTTP/1.1")]
    [InlineData("GET /ns/counter/name/\u00ff\u00fe/ HTTP/1.1")]
    [InlineData("GET /ns/counter/name/a b/ HTTP/1.1")]
    [InlineData("GET /ns/counter/name/a/?q=\u00ff HTTP/1.1")]
    [InlineData("BREW /ns/counter/name/a/ HTTP/1.1")]
    [InlineData("GET ns/counter HTTP/1.1")]
    [InlineData("GET /ns/counter/name/%zz/ HTTP/1.1")]
    [InlineData("GET /ns/counter/name/a%/ HTTP/1.1")]
    [InlineData("GET /ns/counter/id/%00/ HTTP/1.1")]
    [InlineData("GET /ns/counter/name/%00/ HTTP/1.1")]
    [InlineData("\u0000\u0001\u0002 garbage")]
    public async Task Raw_garbage_request_lines_never_get_a_5xx(string requestLine)
    {
        var status = await SendRawAsync(requestLine);

        Assert.True(status is >= 400 and < 500 or 200, $"'{requestLine}' answered {status}");
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Lying_content_length_is_a_4xx_and_the_node_stays_healthy()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Node.Address.Host, Node.Address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "PUT /ns/kv/name/liar/keys/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"a\""));
        client.Client.Shutdown(SocketShutdown.Send);
        var reply = await ReadAllAsync(stream);

        Assert.True(reply.Length == 0 || reply.StartsWith("HTTP/1.1 4", StringComparison.Ordinal), reply);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Many_garbage_requests_leave_the_node_serving()
    {
        var requests = Enumerable.Range(0, 200).Select(i => Node.GetAsync(i % 2 == 0 ? $"/ns/counter/id/{i}/" : $"/ns/nope{i}/name/x/"));
        var answers = await Task.WhenAll(requests);

        Assert.All(answers, a => Assert.InRange(a.Status, 400, 499));
        await AssertHealthyAsync();
    }

    private async Task AssertHealthyAsync()
    {
        Assert.Equal(200, (await Node.GetAsync("/healthz")).Status);
        Assert.Equal("ok", (await Node.GetAsync("/ns/echo/name/health/")).Body);
    }

    private async Task<int> SendRawAsync(string requestLine)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Node.Address.Host, Node.Address.Port);
        var stream = client.GetStream();
        var bytes = Encoding.Latin1.GetBytes($"{requestLine}\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(bytes);
        var reply = await ReadAllAsync(stream);
        var parts = reply.Split(' ', 3);
        return parts.Length >= 2 && int.TryParse(parts[1], out var status) ? status : 400;
    }

    private static async Task<string> ReadAllAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            // The server closed the connection abruptly after answering; what arrived is the answer.
        }
        return Encoding.Latin1.GetString(buffer.ToArray());
    }
}
