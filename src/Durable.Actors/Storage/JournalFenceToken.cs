namespace Durable.Storage;

/// <summary>What an append is fenced by: shard <paramref name="Shard"/> is leased to node <paramref name="Owner"/> at
/// <paramref name="Epoch"/>.</summary>
public readonly record struct JournalFenceToken(int Shard, string Owner, long Epoch)
{
    public override string ToString() => $"shard {Shard} of node {Owner} at epoch {Epoch}";
}
