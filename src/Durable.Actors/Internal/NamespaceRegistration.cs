using System.Buffers;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Internal;

/// <summary>A namespace name bound to the object class that serves it, and how to construct that class.</summary>
internal sealed class NamespaceRegistration
{
    private const int MaxNameLength = 64;
    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    private readonly ConstructorInvoker _constructor;
    private readonly ParameterInfo[] _parameters;

    public NamespaceRegistration(string name, Type type)
    {
        if (name.Length is 0 or > MaxNameLength || name.AsSpan().ContainsAnyExcept(NameChars))
            throw new ArgumentException(
                $"Namespace name '{name}' is invalid: use 1-64 letters, digits, '_' or '-' (it appears in URLs and topics).", nameof(name));
        if (!typeof(DurableObject).IsAssignableFrom(type) || type.IsAbstract)
            throw new ArgumentException($"{type} is not a concrete DurableObject class.", nameof(type));
        Name = name;
        Type = type;
        var constructor = ChooseConstructor(type);
        _constructor = ConstructorInvoker.Create(constructor);
        _parameters = constructor.GetParameters();
    }

    public string Name { get; }

    public Type Type { get; }

    /// <summary>
    /// A new instance: a <see cref="DurableObjectState"/> parameter gets the activation's state, every other one a
    /// service (or its default value when it has one and no service is registered).
    /// </summary>
    public DurableObject Create(IServiceProvider services, DurableObjectState state)
    {
        var arguments = _parameters.Length == 0 ? [] : new object?[_parameters.Length];
        for (var i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            arguments[i] = parameter.ParameterType == typeof(DurableObjectState) ? state
                : services.GetService(parameter.ParameterType) ?? (parameter.HasDefaultValue ? parameter.DefaultValue
                    : throw new InvalidOperationException(
                        $"Unable to resolve service for type '{parameter.ParameterType}' while attempting to activate '{Type}'."));
        }
        return (DurableObject)_constructor.Invoke(arguments);
    }

    // The constructor marked [ActivatorUtilitiesConstructor], else the one with the most parameters (as DI would pick
    // when every parameter resolves). A reflection invoker rather than ActivatorUtilities.CreateFactory: the factory
    // compiles an expression tree per namespace, tens of milliseconds of the node's start-up and megabytes of JIT'd code.
    private static ConstructorInfo ChooseConstructor(Type type)
    {
        var constructors = type.GetConstructors();
        if (constructors.Length == 0) throw new ArgumentException($"{type} has no public constructor.", nameof(type));
        var marked = constructors.Where(c => c.IsDefined(typeof(ActivatorUtilitiesConstructorAttribute), inherit: false)).ToList();
        if (marked.Count > 1) throw new ArgumentException($"{type} has more than one [ActivatorUtilitiesConstructor].", nameof(type));
        if (marked.Count == 1) return marked[0];
        var longest = constructors.Max(c => c.GetParameters().Length);
        var candidates = constructors.Where(c => c.GetParameters().Length == longest).ToList();
        return candidates.Count == 1 ? candidates[0]
            : throw new ArgumentException(
                $"{type} has {candidates.Count} public constructors with {longest} parameters; mark the one to use with [ActivatorUtilitiesConstructor].",
                nameof(type));
    }
}
