namespace Durable;

/// <summary>A string that is not a valid id of the namespace: wrong length, not hex, or made for another namespace.</summary>
public sealed class InvalidDurableObjectIdException(string @namespace, string? value, string reason)
    : DurableObjectException("invalid_id", $"'{Shorten(value)}' is not a valid id in namespace '{@namespace}': {reason}.", null, null, isRetryable: false)
{
    public string Namespace { get; } = @namespace;

    private static string Shorten(string? value) =>
        value is null ? "" : value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 77), "...");
}
