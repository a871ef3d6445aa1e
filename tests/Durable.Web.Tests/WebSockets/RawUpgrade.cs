using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Durable.Web.Tests.WebSockets;

/// <summary>A WebSocket upgrade written byte for byte on a TCP connection, and the server's answer read as it came.</summary>
internal sealed class RawUpgrade : IAsyncDisposable
{
    public const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private readonly TcpClient _client;

    private RawUpgrade(TcpClient client)
    {
        _client = client;
        Stream = client.GetStream();
    }

    public NetworkStream Stream { get; }

    public int Status { get; private set; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>An upgrade's head; with <paramref name="close"/> the connection is not kept alive after a refusal, so its
    /// body ends with the connection.</summary>
    public static string Head(string target, string extraHeaders = "", bool close = false) =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade{(close ? ", close" : "")}\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
        $"Sec-WebSocket-Key: {Key}\r\n{extraHeaders}\r\n";

    public static async Task<RawUpgrade> ConnectAsync(Uri address)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(address.Host, address.Port);
        return new RawUpgrade(client);
    }

    /// <summary>Connects, sends <paramref name="head"/> whole and reads the answer's head.</summary>
    public static async Task<RawUpgrade> SendAsync(Uri address, string head)
    {
        var raw = await ConnectAsync(address);
        await raw.SendAsync(head);
        await raw.ReadHeadAsync();
        return raw;
    }

    /// <summary>Sends <paramref name="text"/> in pieces of <paramref name="chunk"/> bytes, each written alone.</summary>
    public async Task SendAsync(string text, int chunk = int.MaxValue, TimeSpan pause = default)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            await Stream.WriteAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)));
            await Stream.FlushAsync();
            if (pause > TimeSpan.Zero) await Task.Delay(pause);
        }
    }

    /// <summary>Reads the answer's head one byte at a time, so nothing after it (the socket's frames) is taken.</summary>
    public async Task ReadHeadAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await Stream.ReadAsync(one, timeout.Token) == 0) throw new IOException($"the connection closed inside the answer's head: {Encoding.ASCII.GetString(head.ToArray())}");
            head.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            Headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
    }

    /// <summary>Reads until the server closes the connection; what came after the head.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var body = new MemoryStream();
        try
        {
            await Stream.CopyToAsync(body, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server did not close the connection; so far: {Encoding.UTF8.GetString(body.ToArray())}");
        }
        return Encoding.UTF8.GetString(body.ToArray());
    }

    /// <summary>The client end of the accepted socket, over this connection.</summary>
    public WebSocket Socket() => WebSocket.CreateFromStream(Stream, new WebSocketCreationOptions { IsServer = false });

    public static string ExpectedAccept =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    /// <summary>Drops the connection with a reset, as a client that vanishes does.</summary>
    public void Reset()
    {
        _client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        _client.Close();
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
