namespace Durable.Configuration.Hocon;

/// <summary>
/// Applies the parsed assignments, in document order, to one tree. Object literals merge into an existing
/// object in place; when the existing value is not known yet (a substitution), the literal becomes a layer
/// of a <see cref="HoconMergeStack"/>. Self-references are bound here to a snapshot of the previous value,
/// because that is the only moment the previous value is known.
/// </summary>
internal static class HoconTreeBuilder
{
    public static HoconObject Build(SyntaxObject document)
    {
        var root = new HoconObject(document.Position);
        Apply(root, document, []);
        return root;
    }

    private static void Apply(HoconObject target, SyntaxObject syntax, string[]? path)
    {
        foreach (var field in syntax.Fields) Assign(target, field, 0, path);
    }

    /// <summary><paramref name="path"/> is the target's path from the root, or null inside arrays and concatenations.</summary>
    private static void Assign(HoconObject target, SyntaxField field, int depth, string[]? path)
    {
        var key = field.Path[depth];
        string[]? fieldPath = path is null ? null : [.. path, key];
        if (depth < field.Path.Length - 1)
        {
            SetObject(target, key, field.Position, child => Assign(child, field, depth + 1, fieldPath));
        }
        else if (field.Append)
        {
            SetValue(target, key, fieldPath, AppendTo(target, key, field));
        }
        else if (field.Value is SyntaxObject literal)
        {
            SetObject(target, key, literal.Position, child => Apply(child, literal, fieldPath));
        }
        else
        {
            SetValue(target, key, fieldPath, Build(field.Value));
        }
    }

    private static HoconNode Build(HoconSyntax syntax)
    {
        switch (syntax)
        {
            case SyntaxScalar s:
                return new HoconScalar(s.Position, s.Text, s.Kind == ScalarKind.Whitespace);
            case SyntaxSubstitution s:
                return new HoconSubstitution(s.Position, s.Path, s.Optional, s.Expression, s.EnvironmentName);
            case SyntaxConcat c:
                return new HoconConcat(c.Position, c.Parts.Select(Build).ToList());
            case SyntaxArray a:
                return new HoconArray(a.Position, a.Items.Select(Build).ToList());
            case SyntaxObject o:
                var result = new HoconObject(o.Position);
                Apply(result, o, null);
                return result;
            default:
                throw new InvalidOperationException($"unknown HOCON syntax node {syntax.GetType().Name}");
        }
    }

    /// <summary><c>a += v</c> is <c>a = ${?a} [v]</c> with the substitution always looking back.</summary>
    private static HoconConcat AppendTo(HoconObject target, string key, SyntaxField field)
    {
        var previous = new HoconSubstitution(field.Position, [key], optional: true, key, environmentName: null)
        {
            IsSelfReference = true,
            Prior = PriorOf(target, key),
        };
        return new HoconConcat(field.Position, [previous, new HoconArray(field.Value.Position, [Build(field.Value)])]);
    }

    private static void SetValue(HoconObject target, string key, string[]? fieldPath, HoconNode value)
    {
        if (fieldPath is not null) BindSelfReferences(target, key, fieldPath, value);
        // A substitution may resolve to an object (merges with what is there) or to nothing (`port = ${?PORT}`
        // keeps the earlier port), so the earlier value stays underneath until resolution decides.
        target.Fields[key] = value is HoconScalar or HoconArray or HoconObject || !target.Fields.TryGetValue(key, out var existing)
            ? value
            : Stack(existing, value);
    }

    private static void SetObject(HoconObject target, string key, HoconPosition position, Action<HoconObject> body)
    {
        target.Fields.TryGetValue(key, out var existing);
        switch (existing)
        {
            case HoconObject inPlace:
                body(inPlace);
                break;
            case HoconSubstitution or HoconConcat or HoconMergeStack or HoconLookback:
                var layer = new HoconObject(position) { Fallback = new HoconLookback(position, existing, []) };
                body(layer);
                target.Fields[key] = Stack(existing, layer);
                break;
            default:
                // A layer's new child still merges over the same key below the layer, so it inherits the lookback.
                var fresh = new HoconObject(position) { Fallback = target.Fallback?.Child(key) };
                target.Fields[key] = fresh;
                body(fresh);
                break;
        }
    }

    private static HoconMergeStack Stack(HoconNode existing, HoconNode value) =>
        existing is HoconMergeStack stack
            ? new HoconMergeStack(value.Position, [.. stack.Layers, value])
            : new HoconMergeStack(value.Position, [existing, value]);

    /// <summary>Only a substitution or concatenation is self-referential; objects and arrays look forward.</summary>
    private static void BindSelfReferences(HoconObject target, string key, string[] fieldPath, HoconNode value)
    {
        IEnumerable<HoconSubstitution> candidates = value switch
        {
            HoconSubstitution s => [s],
            HoconConcat c => c.Parts.OfType<HoconSubstitution>(),
            _ => [],
        };

        HoconNode? prior = null;
        var priorTaken = false;
        foreach (var substitution in candidates)
        {
            if (substitution.IsSelfReference || !HoconPath.StartsWith(substitution.Path, fieldPath)) continue;
            if (!priorTaken)
            {
                prior = PriorOf(target, key);
                priorTaken = true;
            }

            substitution.IsSelfReference = true;
            substitution.Prior = prior;
            substitution.SelfReferenceRest = substitution.Path[fieldPath.Length..];
        }
    }

    private static HoconNode? PriorOf(HoconObject target, string key)
    {
        if (!target.Fields.TryGetValue(key, out var value)) return target.Fallback?.Child(key);
        if (value is not HoconObject obj) return value;
        // Objects in the tree keep changing after this point; the self-reference must see them as they are now.
        var copy = Clone(obj);
        return obj.Fallback is { } fallback ? new HoconMergeStack(obj.Position, [fallback, copy]) : copy;
    }

    private static HoconObject Clone(HoconObject source)
    {
        var copy = new HoconObject(source.Position);
        foreach (var (key, value) in source.Fields) copy.Fields[key] = value is HoconObject child ? Clone(child) : value;
        return copy;
    }
}
