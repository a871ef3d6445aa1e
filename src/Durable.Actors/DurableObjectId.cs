namespace Durable;

/// <summary>
/// The global identity of one durable object: 32 bytes written as 64 lowercase hex digits, bound to its namespace.
/// The first 16 bytes come from the name (HMAC) or from a CSPRNG; the last 16 bytes are a MAC over the namespace
/// and the first half, so an id can only be used in the namespace that made it and cannot be forged.
/// </summary>
public sealed class DurableObjectId : IEquatable<DurableObjectId>
{
    internal const int ByteLength = 32;
    internal const int HexLength = ByteLength * 2;

    private readonly byte[] _bytes;
    private string? _hex;

    internal DurableObjectId(string @namespace, byte[] bytes, string? name)
    {
        Namespace = @namespace;
        _bytes = bytes;
        Name = name;
    }

    /// <summary>The namespace this id belongs to.</summary>
    public string Namespace { get; }

    /// <summary>The name the id was derived from, when it was made by <c>IdFromName</c>; otherwise null.</summary>
    public string? Name { get; }

    internal ReadOnlySpan<byte> Bytes => _bytes;

    public bool Equals(DurableObjectId? other) =>
        other is not null && Namespace == other.Namespace && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is DurableObjectId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Namespace, BitConverter.ToInt64(_bytes, 0));

    /// <summary>The 64 lowercase hex digits.</summary>
    public override string ToString() => _hex ??= Convert.ToHexStringLower(_bytes);

    public static bool operator ==(DurableObjectId? left, DurableObjectId? right) => Equals(left, right);

    public static bool operator !=(DurableObjectId? left, DurableObjectId? right) => !Equals(left, right);
}
