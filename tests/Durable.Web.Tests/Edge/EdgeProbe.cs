using System.Net;
using System.Text;
using System.Text.Json;

namespace Durable.Web.Tests.Edge;

/// <summary>A test object that shows what reached it and fails on request, one route per edge behaviour.</summary>
public sealed class EdgeProbe(DurableObjectState state) : DurableObject
{
    private static readonly TaskCompletionSource Never = new();

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        switch (uri.AbsolutePath)
        {
            case "/throw":
                throw new InvalidOperationException("boom from the probe");
            case "/hang":
                await Never.Task;
                break;
            case "/key-too-large":
                await state.Storage.PutAsync(new string('k', 3000), 1);
                break;
            case "/value-too-large":
                await state.Storage.PutAsync("v", new string('v', 200_000));
                break;
            case "/put":
                await state.Storage.PutAsync("x", 1);
                break;
            case "/empty-404":
                return new HttpResponseMessage(HttpStatusCode.NotFound);
            case "/stream":
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new RepeatingStream(1 << 20)) };
            case "/count-body":
                var stream = request.Content is null ? Stream.Null : await request.Content.ReadAsStreamAsync();
                var buffer = new byte[8192];
                long total = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0) total += read;
                return Text(total.ToString());
        }
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        var body = request.Content is null ? "" : Encoding.UTF8.GetString(await request.Content.ReadAsByteArrayAsync());
        var inspected = JsonSerializer.Serialize(new
        {
            method = request.Method.Method,
            path = uri.AbsolutePath,
            query = uri.Query,
            name = state.Name,
            headers,
            body,
        });
        var response = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent(inspected, Encoding.UTF8, "application/json") };
        response.Headers.Add("X-Probe", "seen");
        return response;
    }

    private static HttpResponseMessage Text(string text) => new(HttpStatusCode.OK) { Content = new StringContent(text) };

    /// <summary>A body of <c>length</c> bytes produced as it is read.</summary>
    private sealed class RepeatingStream(long length) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill((byte)'x');
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>An object whose constructor always throws.</summary>
public sealed class BrokenConstructor : DurableObject
{
    public BrokenConstructor() => throw new InvalidOperationException("constructor refuses");

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => throw new System.Diagnostics.UnreachableException();
}
