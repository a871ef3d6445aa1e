using Durable.Internal;

namespace Durable;

/// <summary>All objects of one class: makes their ids and stubs. Creating an id does not create the object.</summary>
public sealed class DurableObjectNamespace
{
    private readonly ObjectRuntime _runtime;

    internal DurableObjectNamespace(ObjectRuntime runtime, NamespaceRegistration registration)
    {
        _runtime = runtime;
        Name = registration.Name;
        ObjectType = registration.Type;
    }

    public string Name { get; }

    public Type ObjectType { get; }

    /// <summary>The id for <paramref name="name"/>: the same name always gives the same id.</summary>
    public DurableObjectId IdFromName(string name) => _runtime.Ids.FromName(Name, name);

    /// <summary>A new random id that was never used before.</summary>
    public DurableObjectId NewUniqueId() => _runtime.Ids.NewUnique(Name);

    /// <summary>Parses 64 hex digits (either case); throws <see cref="InvalidDurableObjectIdException"/> for a string that
    /// is not an id of this namespace.</summary>
    public DurableObjectId IdFromString(string id) => _runtime.Ids.Parse(Name, id);

    /// <summary>A stub for the object; no connection or activation happens until it is used.</summary>
    public DurableObjectStub Get(DurableObjectId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Namespace != Name)
            throw new InvalidDurableObjectIdException(Name, id.ToString(), $"it belongs to namespace '{id.Namespace}'");
        return new DurableObjectStub(_runtime, id);
    }

    /// <summary>Shorthand for <c>Get(IdFromName(name))</c>.</summary>
    public DurableObjectStub GetByName(string name) => Get(IdFromName(name));
}
