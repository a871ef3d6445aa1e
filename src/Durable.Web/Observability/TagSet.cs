using System.Globalization;

namespace Durable.Web.Observability;

/// <summary>
/// The key of one series: the tags a measurement carried, in any order. Values are kept as given for equality
/// and rendered to invariant strings once, when the series is created.
/// </summary>
internal sealed class TagSet
{
    public static readonly TagSet Empty = new([]);

    private readonly KeyValuePair<string, object?>[] _tags;

    public TagSet(KeyValuePair<string, object?>[] tags)
    {
        _tags = tags;
        HashCode = Hash(tags);
        Labels = Array.ConvertAll(tags, t => KeyValuePair.Create(t.Key, Render(t.Value)));
    }

    public int HashCode { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    public ReadOnlySpan<KeyValuePair<string, object?>> Tags => _tags;

    /// <summary>Order-insensitive, so {a,b} and {b,a} land in the same series.</summary>
    public static int Hash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = tags.Length;
        foreach (var tag in tags)
        {
            hash += System.HashCode.Combine(tag.Key, tag.Value);
        }

        return hash;
    }

    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != _tags.Length)
        {
            return false;
        }

        // Tag sets are small (a handful of tags), so a quadratic scan beats sorting on the hot path.
        foreach (var tag in tags)
        {
            if (!Contains(_tags, tag))
            {
                return false;
            }
        }

        foreach (var tag in _tags)
        {
            if (!Contains(tags, tag))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Contains(ReadOnlySpan<KeyValuePair<string, object?>> tags, KeyValuePair<string, object?> tag)
    {
        foreach (var candidate in tags)
        {
            if (string.Equals(candidate.Key, tag.Key, StringComparison.Ordinal) && Equals(candidate.Value, tag.Value))
            {
                return true;
            }
        }

        return false;
    }

    private static string Render(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>Lets the series dictionary be probed with the measurement's tag span, without allocating a key.</summary>
internal sealed class TagSetComparer
    : IEqualityComparer<TagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
{
    public static readonly TagSetComparer Instance = new();

    public bool Equals(TagSet? x, TagSet? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.HashCode == y.HashCode && x.Matches(y.Tags));

    public int GetHashCode(TagSet obj) => obj.HashCode;

    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other) => other.Matches(alternate);

    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.Hash(alternate);

    public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => new(alternate.ToArray());
}
