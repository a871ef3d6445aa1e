using System.Text.Json;
using Durable.Internal;

namespace Durable.Hosting;

/// <summary>The per-node runtime's settings (configuration section <c>Durable:Objects</c>) and its namespaces.</summary>
public sealed class DurableObjectsOptions
{
    public const string SectionName = "Durable:Objects";

    /// <summary>An object with no event for this long is passivated. Default 70 s.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(70);

    /// <summary>An event unanswered this long after it arrived fails with deadline_exceeded. Default 30 s.</summary>
    public TimeSpan EventDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Events queued or running in one object before new ones are refused as overloaded. Default 1,000.</summary>
    public int MaxQueuedEventsPerObject { get; set; } = 1_000;

    /// <summary>Events in flight on the node before new ones are refused as overloaded. Default 10,000.</summary>
    public int MaxInFlightEventsPerNode { get; set; } = 10_000;

    /// <summary>A BlockConcurrencyWhileAsync callback running longer resets the object. Default 30 s.</summary>
    public TimeSpan BlockConcurrencyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long shutdown waits for in-flight events and commits. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often expired deadlines are looked for. Default 1 s.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A snapshot of an object's state every this many journal events (0: never). Default 500.</summary>
    public int SnapshotEvery { get; set; } = 500;

    /// <summary>Shards per namespace (fixed for a cluster's life: it places objects). Default 64.</summary>
    public int Shards { get; set; } = 64;

    /// <summary>How stored JSON values are written and read.</summary>
    public JsonSerializerOptions Json { get; set; } = new(JsonSerializerDefaults.Web);

    internal Dictionary<string, NamespaceRegistration> Namespaces { get; } = new(StringComparer.Ordinal);

    /// <summary>Serves namespace <paramref name="name"/> with objects of class <typeparamref name="T"/>.</summary>
    public DurableObjectsOptions AddNamespace<T>(string name) where T : DurableObject => AddNamespace(name, typeof(T));

    public DurableObjectsOptions AddNamespace(string name, Type type)
    {
        ArgumentNullException.ThrowIfNull(name);
        var registration = new NamespaceRegistration(name, type);
        if (!Namespaces.TryAdd(name, registration))
            throw new ArgumentException($"Namespace '{name}' is already registered (to {Namespaces[name].Type}).", nameof(name));
        return this;
    }
}
