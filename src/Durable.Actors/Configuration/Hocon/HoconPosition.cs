namespace Durable.Configuration.Hocon;

/// <summary>Where a HOCON token or value starts: file as named to the provider, 1-based line and column.</summary>
public readonly record struct HoconPosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
