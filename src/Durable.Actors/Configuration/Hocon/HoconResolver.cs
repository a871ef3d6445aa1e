namespace Durable.Configuration.Hocon;

/// <summary>
/// Resolves every substitution against the final tree. Each node is resolved at most once (memoised by
/// identity); meeting a node that is still being resolved is a cycle.
/// </summary>
internal sealed class HoconResolver
{
    private const int MaxChain = 500;
    private readonly HoconObject _root;
    private readonly Func<string, string?> _environment;
    private readonly Dictionary<HoconNode, HoconNode?> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<HoconNode> _inProgress = new(ReferenceEqualityComparer.Instance);
    private readonly List<HoconSubstitution> _chain = [];

    private HoconResolver(HoconObject root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    public static HoconObject Resolve(HoconObject root, Func<string, string?> environment) =>
        (HoconObject)new HoconResolver(root, environment).Resolve(root)!;

    /// <summary>Null means undefined: an optional substitution that found nothing.</summary>
    private HoconNode? Resolve(HoconNode node)
    {
        if (node is HoconScalar) return node;
        if (_resolved.TryGetValue(node, out var done)) return done;
        if (!_inProgress.Add(node)) throw Cycle(node);
        try
        {
            var result = node switch
            {
                HoconObject o => ResolveObject(o),
                HoconArray a => new HoconArray(a.Position, a.Items.Select(Resolve).OfType<HoconNode>().ToList()),
                HoconSubstitution s => ResolveSubstitution(s),
                HoconConcat c => ResolveConcat(c),
                HoconMergeStack m => ResolveStack(m),
                HoconLookback l => Descend(Resolve(l.Target), l.Subpath),
                _ => throw new InvalidOperationException($"unknown HOCON node {node.GetType().Name}"),
            };
            _resolved[node] = result;
            return result;
        }
        finally
        {
            _inProgress.Remove(node);
        }
    }

    private HoconObject ResolveObject(HoconObject source)
    {
        var result = new HoconObject(source.Position);
        foreach (var (key, value) in source.Fields)
        {
            if (Resolve(value) is { } resolved) result.Fields[key] = resolved;
        }

        return result;
    }

    private HoconNode? ResolveSubstitution(HoconSubstitution substitution)
    {
        // Each link recurses; a bound keeps a generated chain of thousands of substitutions from overflowing the stack.
        if (_chain.Count >= MaxChain)
        {
            throw new HoconParseException(substitution.Position, $"substitutions nested deeper than {MaxChain} levels");
        }

        _chain.Add(substitution);
        try
        {
            var value = substitution.IsSelfReference
                ? substitution.Prior is null ? null : Descend(Resolve(substitution.Prior), substitution.SelfReferenceRest)
                : Lookup(substitution.Path);
            if (value is null && substitution.EnvironmentName is { } name && _environment(name) is { } fromEnvironment)
            {
                value = new HoconScalar(substitution.Position, fromEnvironment);
            }

            if (value is null && !substitution.Optional)
            {
                throw new HoconParseException(substitution.Position,
                    $"could not resolve substitution {substitution.Display}: the path is not set in the configuration " +
                    $"and there is no environment variable '{substitution.EnvironmentName}'");
            }

            return value;
        }
        finally
        {
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    /// <summary>
    /// Walks raw objects without resolving them, so <c>bar { foo = 42, baz = ${bar.foo} }</c> is not a cycle;
    /// anything else on the way is resolved first.
    /// </summary>
    private HoconNode? Lookup(string[] path)
    {
        HoconNode current = _root;
        for (var i = 0; i < path.Length; i++)
        {
            if (current is not HoconObject raw) return Descend(Resolve(current), path[i..]);
            if (!raw.Fields.TryGetValue(path[i], out var next)) return null;
            current = next;
        }

        return Resolve(current);
    }

    private static HoconNode? Descend(HoconNode? resolved, string[] path)
    {
        foreach (var key in path)
        {
            if (resolved is not HoconObject obj || !obj.Fields.TryGetValue(key, out resolved)) return null;
        }

        return resolved;
    }

    private HoconNode? ResolveConcat(HoconConcat concat)
    {
        var parts = concat.Parts.Select(Resolve).OfType<HoconNode>().ToList();
        while (parts.Count > 0 && parts[^1] is HoconScalar { IsWhitespace: true }) parts.RemoveAt(parts.Count - 1);
        while (parts.Count > 0 && parts[0] is HoconScalar { IsWhitespace: true }) parts.RemoveAt(0);
        var values = parts.Where(p => p is not HoconScalar { IsWhitespace: true }).ToList();
        if (values.Count == 0) return null;

        if (values.Any(v => v is HoconObject or HoconArray))
        {
            var first = values[0];
            if (values.FirstOrDefault(v => v.GetType() != first.GetType()) is { } mismatch)
            {
                throw new HoconParseException(concat.Position,
                    $"cannot concatenate {Describe(first)} with {Describe(mismatch)} (at {mismatch.Position.Line}:{mismatch.Position.Column})");
            }

            return first is HoconArray
                ? new HoconArray(concat.Position, values.SelectMany(v => ((HoconArray)v).Items).ToList())
                : values.Cast<HoconObject>().Aggregate(Merge);
        }

        return new HoconScalar(concat.Position, string.Concat(parts.Select(p => ((HoconScalar)p).Text ?? "null")));
    }

    /// <summary>Top layer first: an object merges over what is below it, anything else hides it unevaluated.</summary>
    private HoconNode? ResolveStack(HoconMergeStack stack)
    {
        HoconObject? merged = null;
        for (var i = stack.Layers.Count - 1; i >= 0; i--)
        {
            var layer = Resolve(stack.Layers[i]);
            if (layer is HoconObject obj) merged = merged is null ? obj : Merge(obj, merged);
            else if (layer is not null) return merged ?? layer;
        }

        return merged;
    }

    private static HoconObject Merge(HoconObject lower, HoconObject upper)
    {
        var result = new HoconObject(upper.Position);
        foreach (var (key, value) in lower.Fields) result.Fields[key] = value;
        foreach (var (key, value) in upper.Fields)
        {
            result.Fields[key] = result.Fields.TryGetValue(key, out var below) && below is HoconObject l && value is HoconObject u
                ? Merge(l, u)
                : value;
        }

        return result;
    }

    private static string Describe(HoconNode node) => node switch
    {
        HoconObject => "an object",
        HoconArray => "an array",
        _ => $"the string '{((HoconScalar)node).Text ?? "null"}'",
    };

    private HoconParseException Cycle(HoconNode node)
    {
        var at = _chain.Count > 0 ? _chain[^1].Position : node.Position;
        var start = node is HoconSubstitution s ? _chain.IndexOf(s) : -1;
        if (start < 0)
        {
            var links = string.Join(" -> ", _chain.Select(c => c.Display));
            return new HoconParseException(at, $"substitution cycle: {links} needs a value that contains it");
        }

        var cycle = _chain.Skip(start).Append(_chain[start]).Select(c => c.Display);
        return new HoconParseException(at, $"substitution cycle: {string.Join(" -> ", cycle)}");
    }
}
