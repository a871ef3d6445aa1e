using System.Diagnostics;
using System.Net.WebSockets;
using Durable.Web.Tests.WebSockets;

namespace Durable.EndToEnd.Tests;

/// <summary>A real node process stopped with SIGTERM while clients hold WebSockets.</summary>
public sealed class NodeShutdownTests
{
    [Fact]
    public async Task Sigterm_tells_every_websocket_to_go_away_with_1001_and_the_node_exits_without_waiting_for_them()
    {
        // The runtime's shutdown timeout (30 s) is longer than the test's bound: a socket left open held the exit that long.
        await using var node = await NodeProcess.StartAsync(["--Durable:Storage:Provider=memory"]);
        using var echo = await ConnectAsync(node, "/ns/echo/name/shutdown/websocket");
        await echo.SendTextAsync("hello");
        Assert.Equal("hello", await echo.ReceiveTextAsync("the echo before the shutdown"));
        using var phoenix = new PhoenixClient(await ConnectAsync(node, "/socket/websocket?vsn=2.0.0"));
        await phoenix.JoinAsync("chat:shutdown");
        // A client that reads the close frame and never answers it: it is dropped after a grace period.
        using var silent = await ConnectAsync(node, "/ns/echo/name/shutdown-silent/websocket");

        // Each client answers the close frame, as browsers and the phoenix client do.
        var echoClosed = AnswerCloseAsync(echo, "the echo socket's close frame on SIGTERM");
        var phoenixClosed = AnswerCloseAsync(phoenix.Socket, "the Phoenix socket's close frame on SIGTERM");
        var silentClosed = silent.ReceiveCloseAsync("the silent socket's close frame on SIGTERM");
        var watch = Stopwatch.StartNew();
        var exitCode = await node.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal((int)WebSocketCloseStatus.EndpointUnavailable, await echoClosed);
        Assert.Equal((int)WebSocketCloseStatus.EndpointUnavailable, await phoenixClosed);
        Assert.Equal((int)WebSocketCloseStatus.EndpointUnavailable, await silentClosed);
        Assert.Equal("going away: the node is shutting down", echo.CloseStatusDescription);
        Assert.Contains("3 WebSockets told to go away (1001)", node.Output);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the node took {watch.Elapsed.TotalSeconds:0.0} s to exit:\n{node.Output}");
    }

    private static async Task<int> AnswerCloseAsync(ClientWebSocket ws, string waitingFor)
    {
        var code = await ws.ReceiveCloseAsync(waitingFor);
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        return code;
    }

    private static async Task<ClientWebSocket> ConnectAsync(NodeProcess node, string path)
    {
        var ws = new ClientWebSocket();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ws.ConnectAsync(new Uri($"ws://{node.Address.Authority}{path}"), timeout.Token);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }
}
