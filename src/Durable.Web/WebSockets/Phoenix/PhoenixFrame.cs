using System.Buffers;
using System.Text.Json;

namespace Durable.Web.WebSockets.Phoenix;

/// <summary>
/// One message of Phoenix's v2 JSON serializer: <c>[join_ref, ref, topic, event, payload]</c>, join_ref and ref strings or
/// null. Parsing is strict: anything else is not a frame (the socket then closes with 1007).
/// </summary>
internal sealed record PhoenixFrame(string? JoinRef, string? Ref, string Topic, string Event, JsonElement Payload)
{
    public const string Join = "phx_join";
    public const string Leave = "phx_leave";
    public const string Reply = "phx_reply";
    public const string Close = "phx_close";
    public const string Error = "phx_error";
    public const string Heartbeat = "heartbeat";
    public const string SystemTopic = "phoenix";

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    public static PhoenixFrame? TryParse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read()) return null;
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 5) return null;
            if (!TryRef(root[0], out var joinRef) || !TryRef(root[1], out var @ref)) return null;
            if (root[2].ValueKind != JsonValueKind.String || root[3].ValueKind != JsonValueKind.String) return null;
            return new PhoenixFrame(joinRef, @ref, root[2].GetString()!, root[3].GetString()!, root[4].Clone());
        }
    }

    // Refs are strings in the official client; numbers are taken as their text.
    private static bool TryRef(JsonElement element, out string? value)
    {
        value = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        return element.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null;
    }

    /// <summary><c>[joinRef, ref, topic, event, payload]</c> with <paramref name="payloadJson"/> already JSON (empty: <c>{}</c>).</summary>
    public static byte[] Encode(string? joinRef, string? @ref, string topic, string @event, ReadOnlySpan<byte> payloadJson)
    {
        var buffer = new ArrayBufferWriter<byte>(payloadJson.Length + topic.Length + @event.Length + 48);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            WriteRef(writer, joinRef);
            WriteRef(writer, @ref);
            writer.WriteStringValue(topic);
            writer.WriteStringValue(@event);
            writer.WriteRawValue(payloadJson.IsEmpty ? EmptyObject : payloadJson, skipInputValidation: true);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A <c>phx_reply</c> to <paramref name="request"/>: <c>{"status": status, "response": response}</c>.</summary>
    public static byte[] EncodeReply(PhoenixFrame request, string status, ReadOnlySpan<byte> responseJson)
    {
        var buffer = new ArrayBufferWriter<byte>(responseJson.Length + 32);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", status);
            writer.WritePropertyName("response");
            writer.WriteRawValue(responseJson.IsEmpty ? EmptyObject : responseJson, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return Encode(request.JoinRef, request.Ref, request.Topic, Reply, buffer.WrittenSpan);
    }

    private static void WriteRef(Utf8JsonWriter writer, string? value)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteStringValue(value);
    }
}
