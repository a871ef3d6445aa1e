namespace Durable.Storage;

/// <summary>The limits of the KV API (Cloudflare's): sizes count UTF-8 bytes.</summary>
public static class StorageLimits
{
    public const int MaxKeyBytes = 2048;
    public const int MaxValueBytes = 128 * 1024;
    public const int MaxKeysPerCall = 128;
}
