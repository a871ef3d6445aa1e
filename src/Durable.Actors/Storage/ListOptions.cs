namespace Durable.Storage;

/// <summary>
/// Selects a range of keys for <see cref="DurableObjectStorage.ListAsync{T}(ListOptions?)"/>, in UTF-8 byte order.
/// <see cref="Start"/> is inclusive, <see cref="StartAfter"/> exclusive (not both), <see cref="End"/> exclusive;
/// <see cref="Reverse"/> walks the same range from its end.
/// </summary>
public sealed record ListOptions
{
    public string? Start { get; init; }

    public string? StartAfter { get; init; }

    public string? End { get; init; }

    public string? Prefix { get; init; }

    public bool Reverse { get; init; }

    /// <summary>At most this many entries; null for all.</summary>
    public int? Limit { get; init; }
}
