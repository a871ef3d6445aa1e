namespace Durable.Storage;

/// <summary>The storage key of one object: its namespace and the 64 hex digits of its id.</summary>
public readonly record struct ObjectKey(string Namespace, string Id)
{
    public static ObjectKey For(DurableObjectId id) => new(id.Namespace, id.ToString());

    public override string ToString() => $"{Namespace}/{Id}";
}
