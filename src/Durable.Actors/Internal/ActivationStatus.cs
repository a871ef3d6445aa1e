namespace Durable.Internal;

/// <summary>
/// Where an activation is in its life. Transitions (anything else is a bug and throws):
/// <code>
///   Loading ──state loaded, instance constructed──▶ Active ──idle, passivated──▶ Deactivated
///      │                                              │
///      └──load or constructor failed──▶ Broken ◀──────┘ commit failed / crashed outside a fetch
/// </code>
/// Deactivated and Broken are final: the activation is out of the directory and the next event makes a new one.
/// </summary>
internal enum ActivationStatus
{
    /// <summary>Loading state or constructing the instance; events queue. Next: Active, Broken.</summary>
    Loading,

    /// <summary>Serving events. Next: Deactivated, Broken.</summary>
    Active,

    /// <summary>Passivated after being idle, or at shutdown. Final.</summary>
    Deactivated,

    /// <summary>Reset after a failure; its in-flight events failed. Final.</summary>
    Broken,
}
