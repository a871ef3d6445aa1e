namespace Durable;

/// <summary>No namespace with that name is registered on this node.</summary>
public sealed class UnknownNamespaceException(string @namespace)
    : DurableObjectException("unknown_namespace", $"There is no durable object namespace named '{@namespace}'.", null, null, isRetryable: false)
{
    public string Namespace { get; } = @namespace;
}
