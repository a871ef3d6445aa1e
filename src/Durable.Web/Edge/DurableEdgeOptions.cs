namespace Durable.Web.Edge;

/// <summary>The HTTP edge's settings (configuration section <c>Durable:Edge</c>).</summary>
public sealed class DurableEdgeOptions
{
    public const string SectionName = "Durable:Edge";

    /// <summary>
    /// Largest request body the edge passes to an object; larger ones are answered 413 <c>value_too_large</c>, before
    /// the object sees them when the length is declared, else as soon as the stream passes the limit. Default 16 MiB
    /// (a 128-key batch of 128 KiB values fits).
    /// </summary>
    public long MaxRequestBodySize { get; set; } = 16L << 20;

    /// <summary>The Retry-After sent with 503 <c>overloaded</c> and <c>object_reset</c>, in whole seconds (at least 1). Default 1 s.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
