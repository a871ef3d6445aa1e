using System.Text;
using Durable.Storage;

namespace Durable.Cluster;

/// <summary>One of the cluster's fixed number of shards: <c>hash(namespace, id) mod shards</c>.</summary>
public readonly record struct ShardId(int Value)
{
    /// <summary>FNV-1a (32 bit) over the UTF-8 of the namespace, a 0 byte and the id's lowercase hex. Stable across
    /// processes and versions: changing it would move every object, so it is part of the cluster's format.</summary>
    public static ShardId For(ObjectKey key, int shards)
    {
        var hash = 2166136261u;
        hash = Mix(hash, key.Namespace);
        hash = (hash ^ 0) * 16777619u;
        hash = Mix(hash, key.Id);
        return new ShardId((int)(hash % (uint)shards));
    }

    public static ShardId For(DurableObjectId id, int shards) => For(ObjectKey.For(id), shards);

    private static uint Mix(uint hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(text, buffer)]
            : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes) hash = (hash ^ b) * 16777619u;
        return hash;
    }

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
