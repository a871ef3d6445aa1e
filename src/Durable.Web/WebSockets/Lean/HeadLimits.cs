using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Durable.Web.WebSockets.Lean;

/// <summary>
/// The largest head the lean handshake takes: its own bounds, or Kestrel's where those are tighter, so a head Kestrel
/// would refuse (414, 431) is always left for Kestrel to refuse.
/// </summary>
internal readonly record struct HeadLimits(int Length, int RequestLine, int Headers)
{
    /// <summary>8 KiB in all (browsers send ~0.5 KB), Kestrel's default request line (8 KiB) and header count (100).</summary>
    public static HeadLimits Default { get; } = new(8 * 1024, 8 * 1024, 100);

    public static HeadLimits Within(KestrelServerLimits kestrel) => new(
        Math.Min(Default.Length, kestrel.MaxRequestHeadersTotalSize),
        Math.Min(Default.RequestLine, kestrel.MaxRequestLineSize),
        Math.Min(Default.Headers, kestrel.MaxRequestHeaderCount));
}
