using Durable.Storage;

namespace Durable.Internal;

/// <summary>
/// Which objects this node serves (a cluster supplies it; a single node has none and serves everything). The runtime
/// asks it before admitting any event and before scheduling a stored alarm.
/// </summary>
internal interface IObjectPlacement
{
    /// <summary>Throws <see cref="ShardMovedException"/> unless this node serves the object's shard now.</summary>
    void EnsureServedHere(DurableObjectId id);

    bool IsServedHere(ObjectKey key);
}
