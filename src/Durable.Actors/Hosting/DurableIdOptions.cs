namespace Durable.Hosting;

/// <summary>How ids are made (configuration section <c>Durable:Ids</c>).</summary>
public sealed class DurableIdOptions
{
    public const string SectionName = "Durable:Ids";

    /// <summary>
    /// The secret that keys id hashing and id MACs, at least 16 characters. When unset, a random secret is generated
    /// once and kept by the storage provider, so ids stay valid across restarts (and across a cluster's nodes).
    /// </summary>
    public string? Secret { get; set; }
}
