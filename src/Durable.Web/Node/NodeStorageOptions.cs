namespace Durable.Web.Node;

/// <summary>Which storage provider the node program uses (configuration section <c>Durable:Storage</c>).</summary>
public sealed class NodeStorageOptions
{
    public const string SectionName = "Durable:Storage";

    /// <summary>Default <see cref="NodeStorageProvider.Sqlite"/> (one file, <c>Durable:Storage:Sqlite:Path</c>).</summary>
    public NodeStorageProvider Provider { get; set; } = NodeStorageProvider.Sqlite;
}

/// <summary>The storage providers the node program can be configured with.</summary>
public enum NodeStorageProvider
{
    /// <summary>Process memory: everything is lost at exit. For trying things out and for benchmarks of the edge alone.</summary>
    Memory,

    /// <summary>The embedded SQLite journal.</summary>
    Sqlite,

    /// <summary>The PostgreSQL journal (clusters).</summary>
    Postgres,
}
