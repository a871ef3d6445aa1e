namespace Durable.Persistence;

/// <summary>One numbered schema change. Formats are forever: a change is a new migration appended to a database's list,
/// never an edit of one that shipped; the <c>migrations</c> table records each one applied, with its name and time.</summary>
internal sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>The migrations after <paramref name="current"/>; refuses a database newer than this build.</summary>
    public static IEnumerable<Migration> After(int current, IReadOnlyList<Migration> migrations, string database)
    {
        if (current > migrations[^1].Version)
            throw new InvalidOperationException(
                $"The database {database} has schema version {current}, newer than this build knows ({migrations[^1].Version}); refusing to open it.");
        return migrations.Where(m => m.Version > current);
    }
}
