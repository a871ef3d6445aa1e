namespace Durable.Cluster.Internal;

/// <summary>
/// Where a shard lease held by this node is, as this node sees it. Transitions (anything else throws):
/// <code>
///   (not held) ──heartbeat renewed a lease at a new epoch──▶ Serving ──handoff requested──▶ Draining ──transferred──▶ Released
///                                                              │                              │
///                                                              └──not renewed, or local deadline passed──┴──────────▶ Lost
/// </code>
/// Released and Lost are final: the shard's slot empties and a later lease starts a new <see cref="LocalLease"/>.
/// </summary>
internal enum LocalShardState
{
    /// <summary>Takes new events and commits. Next: Draining, Lost.</summary>
    Serving,

    /// <summary>Handing off: refuses new events; in-flight ones may still commit. Next: Released, Lost.</summary>
    Draining,

    /// <summary>Given to the handoff target. Final.</summary>
    Released,

    /// <summary>Expired or taken away; its activations were reset. Final.</summary>
    Lost,
}

/// <summary>One lease as this node holds it: immutable, replaced whole on every change.</summary>
internal sealed record LocalLease(ShardId Shard, long Epoch, LocalShardState State, long ValidUntil, NodeId? HandoffTo)
{
    public LocalLease To(LocalShardState next)
    {
        var legal = (State, next) switch
        {
            (LocalShardState.Serving, LocalShardState.Draining) => true,
            (LocalShardState.Serving, LocalShardState.Lost) => true,
            (LocalShardState.Draining, LocalShardState.Released) => true,
            (LocalShardState.Draining, LocalShardState.Lost) => true,
            _ => false,
        };
        if (!legal) throw new InvalidOperationException($"Shard {Shard} (epoch {Epoch}): illegal lease transition {State} -> {next}.");
        return this with { State = next };
    }
}
