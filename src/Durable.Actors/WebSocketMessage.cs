namespace Durable;

/// <summary>One message received on a <see cref="DurableWebSocket"/>: text or binary.</summary>
public readonly struct WebSocketMessage
{
    private readonly object _payload;

    private WebSocketMessage(object payload) => _payload = payload;

    public static WebSocketMessage FromText(string text) => new(text ?? throw new ArgumentNullException(nameof(text)));

    public static WebSocketMessage FromBinary(byte[] data) => new(data ?? throw new ArgumentNullException(nameof(data)));

    public bool IsText => _payload is string;

    /// <summary>The text of a text message; throws for a binary one.</summary>
    public string Text => _payload as string ?? throw new InvalidOperationException("This is a binary message.");

    /// <summary>The bytes of a binary message; throws for a text one.</summary>
    public ReadOnlyMemory<byte> Binary => _payload as byte[] ?? throw new InvalidOperationException("This is a text message.");

    public override string ToString() => _payload as string ?? $"<{((byte[])_payload).Length} bytes>";
}
