using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Durable.Internal;

/// <summary>
/// Makes and checks <see cref="DurableObjectId"/>s with the cluster's id secret.
/// Guarantees: the same (namespace, name) always gives the same id under one secret; unique ids never repeat
/// (16 CSPRNG bytes); an id whose MAC does not match its namespace is rejected, so ids of another namespace,
/// another cluster or hand-made ones never reach an object.
/// </summary>
internal sealed class IdCodec
{
    private const int HalfLength = 16;
    private readonly byte[] _nameKey;
    private readonly byte[] _macKey;

    public IdCodec(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 16)
            throw new ArgumentException($"The id secret must be at least 16 bytes; it has {secret.Length}.", nameof(secret));
        // Two keys derived from one secret so the name hash and the MAC can never be confused for each other.
        _nameKey = HMACSHA256.HashData(secret, "durable/id/name"u8);
        _macKey = HMACSHA256.HashData(secret, "durable/id/mac"u8);
    }

    /// <summary>Ids derived lately, by (namespace, name): at most this many, then the cache starts over.</summary>
    internal const int NameCacheCapacity = 4096;

    // Every request addressed by name derives its id (two HMACs) and later writes it out as hex; the same names come
    // back again and again, so the id (with its hex, once computed) is kept. Bounded, because names come from clients.
    private readonly ConcurrentDictionary<(string Namespace, string Name), DurableObjectId> _byName = new();
    private int _cached;

    /// <summary>Names whose id is cached now (for tests).</summary>
    internal int CachedNames => Volatile.Read(ref _cached);

    public DurableObjectId FromName(string @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue((@namespace, name), out var known)) return known;
        var id = Derive(@namespace, name);
        if (Interlocked.Increment(ref _cached) > NameCacheCapacity)
        {
            _byName.Clear();
            Volatile.Write(ref _cached, 1);
        }
        if (!_byName.TryAdd((@namespace, name), id)) Interlocked.Decrement(ref _cached);
        return id;
    }

    private DurableObjectId Derive(string @namespace, string name)
    {
        var bytes = new byte[DurableObjectId.ByteLength];
        Span<byte> hash = stackalloc byte[32];
        var hmac = Hmacs().Name;
        AppendFramed(hmac, @namespace, Encoding.UTF8.GetBytes(name));
        hmac.GetHashAndReset(hash);
        hash[..HalfLength].CopyTo(bytes);
        WriteMac(@namespace, bytes);
        return new DurableObjectId(@namespace, bytes, name);
    }

    public DurableObjectId NewUnique(string @namespace)
    {
        var bytes = new byte[DurableObjectId.ByteLength];
        RandomNumberGenerator.Fill(bytes.AsSpan(0, HalfLength));
        WriteMac(@namespace, bytes);
        return new DurableObjectId(@namespace, bytes, name: null);
    }

    public DurableObjectId Parse(string @namespace, string? hex)
    {
        if (hex is null)
            throw new InvalidDurableObjectIdException(@namespace, hex, "the id is missing");
        if (hex.Length != DurableObjectId.HexLength)
            throw new InvalidDurableObjectIdException(@namespace, hex, $"an id has {DurableObjectId.HexLength} hex digits, this one has {hex.Length} characters");
        var bytes = new byte[DurableObjectId.ByteLength];
        if (Convert.FromHexString(hex, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
            throw new InvalidDurableObjectIdException(@namespace, hex, "it is not hexadecimal");
        Span<byte> expected = stackalloc byte[HalfLength];
        ComputeMac(@namespace, bytes.AsSpan(0, HalfLength), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(HalfLength)))
            throw new InvalidDurableObjectIdException(@namespace, hex, "it was not made for this namespace");
        return new DurableObjectId(@namespace, bytes, name: null);
    }

    private void WriteMac(string @namespace, byte[] bytes) =>
        ComputeMac(@namespace, bytes.AsSpan(0, HalfLength), bytes.AsSpan(HalfLength));

    private void ComputeMac(string @namespace, ReadOnlySpan<byte> firstHalf, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[32];
        var hmac = Hmacs().Mac;
        AppendFramed(hmac, @namespace, firstHalf);
        hmac.GetHashAndReset(mac);
        mac[..HalfLength].CopyTo(destination);
    }

    // Length-prefixed framing so ("ab", "c") and ("a", "bc") never hash alike.
    private static void AppendFramed(IncrementalHash hmac, string @namespace, ReadOnlySpan<byte> payload)
    {
        Span<byte> ns = stackalloc byte[4 + Encoding.UTF8.GetMaxByteCount(@namespace.Length)];
        var length = Encoding.UTF8.GetBytes(@namespace, ns[4..]);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ns, length);
        hmac.AppendData(ns[..(4 + length)]);
        hmac.AppendData(payload);
    }

    // Keyed HMACs kept per thread: a one-shot HMAC sets its key up (two SHA-256 blocks) and a native context on every
    // call, and every request addressed by name derives and authenticates an id (two HMACs, ~5 % of a node's CPU under
    // load). Namespaces are short (at most 64 characters), so the framing stays on the stack.
    [ThreadStatic]
    private static ThreadHmacs? t_hmacs;

    private ThreadHmacs Hmacs()
    {
        var hmacs = t_hmacs;
        if (hmacs is not null && ReferenceEquals(hmacs.Codec, this)) return hmacs;
        hmacs?.Dispose();
        return t_hmacs = new ThreadHmacs(this,
            IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _nameKey), IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _macKey));
    }

    private sealed record ThreadHmacs(IdCodec Codec, IncrementalHash Name, IncrementalHash Mac) : IDisposable
    {
        public void Dispose()
        {
            Name.Dispose();
            Mac.Dispose();
        }
    }
}
