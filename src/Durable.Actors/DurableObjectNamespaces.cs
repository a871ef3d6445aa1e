using Durable.Internal;

namespace Durable;

/// <summary>The namespaces served by this node, by name. Also resolvable one by one as keyed services.</summary>
public sealed class DurableObjectNamespaces
{
    private readonly Dictionary<string, DurableObjectNamespace> _namespaces;

    internal DurableObjectNamespaces(ObjectRuntime runtime)
    {
        _namespaces = runtime.Options.Namespaces.Values.ToDictionary(
            r => r.Name, r => new DurableObjectNamespace(runtime, r), StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _namespaces.Keys;

    /// <summary>The namespace named <paramref name="name"/>; throws <see cref="UnknownNamespaceException"/> if none.</summary>
    public DurableObjectNamespace Get(string name) =>
        _namespaces.TryGetValue(name, out var ns) ? ns : throw new UnknownNamespaceException(name);

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DurableObjectNamespace? ns) =>
        _namespaces.TryGetValue(name, out ns);
}
