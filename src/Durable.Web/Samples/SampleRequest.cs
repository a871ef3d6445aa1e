using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Durable.Storage;

namespace Durable.Web.Samples;

/// <summary>Small request-reading helpers the samples share; malformed input becomes a <see cref="BadInputException"/>.</summary>
internal static class SampleRequest
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Path(this HttpRequestMessage request) => request.RequestUri!.AbsolutePath;

    /// <summary>The query parameter, percent-decoded, or null when absent.</summary>
    public static string? Query(this HttpRequestMessage request, string name)
    {
        var query = request.RequestUri!.Query;
        if (query.Length <= 1) return null;
        foreach (var pair in query[1..].Split('&'))
        {
            var eq = pair.IndexOf('=');
            var key = Decode(eq < 0 ? pair : pair[..eq], plusIsSpace: true);
            if (key == name) return eq < 0 ? "" : Decode(pair[(eq + 1)..], plusIsSpace: true);
        }
        return null;
    }

    public static long? QueryInt64(this HttpRequestMessage request, string name)
    {
        var raw = request.Query(name);
        if (raw is null) return null;
        return long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new BadInputException($"Query parameter '{name}' must be an integer; got '{raw}'.");
    }

    public static bool? QueryBool(this HttpRequestMessage request, string name) => request.Query(name) switch
    {
        null => null,
        "" or "true" or "1" => true,
        "false" or "0" => false,
        var raw => throw new BadInputException($"Query parameter '{name}' must be true or false; got '{raw}'."),
    };

    /// <summary>Percent-decodes a path or query segment as strict UTF-8.</summary>
    public static string Decode(string segment, bool plusIsSpace = false)
    {
        if (segment.IndexOfAny(['%', '+']) < 0) return segment;
        var bytes = new List<byte>(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%')
            {
                if (i + 2 >= segment.Length || !byte.TryParse(segment.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                    throw new BadInputException($"'{segment}' has a malformed percent escape.");
                bytes.Add(b);
                i += 2;
            }
            else if (c == '+' && plusIsSpace) bytes.Add((byte)' ');
            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new BadInputException($"'{segment}' does not decode to valid UTF-8.");
        }
    }

    /// <summary>The body parsed as one JSON value.</summary>
    public static async Task<JsonElement> ReadJsonAsync(this HttpRequestMessage request)
    {
        var bytes = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
        // The parser checks UTF-8 only where it decodes, so a bad string would be stored as is.
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new BadInputException("The body is not valid UTF-8.");
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException error)
        {
            throw new BadInputException($"The body is not valid JSON: {error.Message}");
        }
        catch (ArgumentException error)
        {
            throw new BadInputException($"The body is not valid UTF-8 JSON: {error.Message}");
        }
    }

    /// <summary>True for a WebSocket upgrade request (the edge marks them with <c>Upgrade: websocket</c>).</summary>
    public static bool IsWebSocketUpgrade(this HttpRequestMessage request) =>
        request.Method == HttpMethod.Get && request.Headers.TryGetValues("Upgrade", out var values)
        && values.Any(v => v.Equals("websocket", StringComparison.OrdinalIgnoreCase));

    /// <summary>426 for a WebSocket route reached without an upgrade.</summary>
    public static HttpResponseMessage UpgradeRequired() =>
        ErrorResponse.Create(HttpStatusCode.UpgradeRequired, "upgrade_required", "This route takes WebSocket upgrade requests.");

    public static HttpResponseMessage Text(string text, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };

    public static HttpResponseMessage Json<T>(T value, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value)) { Headers = { { "Content-Type", "application/json" } } } };

    /// <summary>Turns the expected failures of a sample's handler into the contract's error responses.</summary>
    public static async Task<HttpResponseMessage> Guard(Func<Task<HttpResponseMessage>> handler)
    {
        try
        {
            return await handler();
        }
        catch (BadInputException error)
        {
            return ErrorResponse.BadRequest(error.Message);
        }
        catch (OverflowException)
        {
            return ErrorResponse.BadRequest("The result would overflow a 64-bit integer.");
        }
        catch (StorageLimitException error)
        {
            var status = error is ValueTooLargeException ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest;
            return ErrorResponse.Create(status, error.Code, error.Message);
        }
    }
}

/// <summary>Input a sample cannot accept: answered 400 bad_request.</summary>
internal sealed class BadInputException(string message) : Exception(message);
