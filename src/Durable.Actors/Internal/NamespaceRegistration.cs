using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Internal;

/// <summary>A namespace name bound to the object class that serves it, and how to construct that class.</summary>
internal sealed partial class NamespaceRegistration
{
    private readonly ObjectFactory _factory;
    private readonly bool _takesState;

    public NamespaceRegistration(string name, Type type)
    {
        if (!ValidName().IsMatch(name))
            throw new ArgumentException(
                $"Namespace name '{name}' is invalid: use 1-64 letters, digits, '_' or '-' (it appears in URLs and topics).", nameof(name));
        if (!typeof(DurableObject).IsAssignableFrom(type) || type.IsAbstract)
            throw new ArgumentException($"{type} is not a concrete DurableObject class.", nameof(type));
        Name = name;
        Type = type;
        // The state is passed in when a constructor asks for it; everything else comes from DI.
        _takesState = type.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(DurableObjectState)));
        _factory = ActivatorUtilities.CreateFactory(type, _takesState ? [typeof(DurableObjectState)] : []);
    }

    public string Name { get; }

    public Type Type { get; }

    public DurableObject Create(IServiceProvider services, DurableObjectState state) => 
        (DurableObject)_factory(services, _takesState ? [state] : null);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ValidName();
}
