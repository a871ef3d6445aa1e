namespace Durable.Configuration.Hocon;

/// <summary>
/// The merged tree. Objects reachable from the root through object fields are mutated while assignments are
/// applied; every other node is immutable once built. After resolution only objects, arrays and scalars remain.
/// </summary>
internal abstract class HoconNode(HoconPosition position)
{
    public HoconPosition Position { get; } = position;
}

internal sealed class HoconObject(HoconPosition position) : HoconNode(position)
{
    public OrderedDictionary<string, HoconNode> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Set when this object is a layer that will be merged over a value not known until resolution; a
    /// self-reference to a key missing here must look back through it.
    /// </summary>
    public HoconLookback? Fallback { get; init; }
}

internal sealed class HoconArray(HoconPosition position, List<HoconNode> items) : HoconNode(position)
{
    public List<HoconNode> Items { get; } = items;
}

/// <summary>A string as written; <see cref="Text"/> is null for <c>null</c>.</summary>
internal sealed class HoconScalar(HoconPosition position, string? text, bool isWhitespace = false) : HoconNode(position)
{
    public string? Text { get; } = text;

    /// <summary>Whitespace between concatenated values: kept between strings, ignored between objects or arrays.</summary>
    public bool IsWhitespace { get; } = isWhitespace;
}

internal sealed class HoconSubstitution(
    HoconPosition position, string[] path, bool optional, string expression, string? environmentName)
    : HoconNode(position)
{
    public string[] Path { get; } = path;

    public bool Optional { get; } = optional;

    public string Expression { get; } = expression;

    /// <summary>Null when the environment must not be consulted (the hidden self-reference of <c>+=</c>).</summary>
    public string? EnvironmentName { get; } = environmentName;

    /// <summary>Looks back at <see cref="Prior"/> (the field's value before this assignment) instead of forward.</summary>
    public bool IsSelfReference { get; set; }

    public HoconNode? Prior { get; set; }

    /// <summary>What is left of <see cref="Path"/> below the field itself: [a] for <c>foo = ${foo.a}</c>.</summary>
    public string[] SelfReferenceRest { get; set; } = [];

    public string Display => $"${{{(Optional ? "?" : "")}{Expression}}}";
}

internal sealed class HoconConcat(HoconPosition position, IReadOnlyList<HoconNode> parts) : HoconNode(position)
{
    public IReadOnlyList<HoconNode> Parts { get; } = parts;
}

/// <summary>Values assigned to one field, earliest first, whose merge waits for resolution.</summary>
internal sealed class HoconMergeStack(HoconPosition position, IReadOnlyList<HoconNode> layers) : HoconNode(position)
{
    public IReadOnlyList<HoconNode> Layers { get; } = layers;
}

/// <summary>The value at <see cref="Subpath"/> inside <see cref="Target"/> once that is resolved.</summary>
internal sealed class HoconLookback(HoconPosition position, HoconNode target, string[] subpath) : HoconNode(position)
{
    public HoconNode Target { get; } = target;

    public string[] Subpath { get; } = subpath;

    public HoconLookback Child(string key) => new(Position, Target, [.. Subpath, key]);
}
