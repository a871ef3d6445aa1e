namespace Durable.Cluster.Hosting;

/// <summary>Cluster membership on Akka.Cluster (configuration section <c>Durable:Cluster</c>).</summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Durable:Cluster";

    /// <summary>Run as a cluster member (requires PostgreSQL storage). Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address Akka's remoting binds and advertises. Default 127.0.0.1.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The port Akka's remoting binds; 0 = any free port (the bound one is what is registered).</summary>
    public int Port { get; set; }

    /// <summary>Static seed nodes, comma-separated <c>akka.tcp://durable@host:port</c>; when set (here or as
    /// <c>akka.cluster.seed-nodes</c>) the node joins them instead of forming through PostgreSQL. Default: none.</summary>
    public string? SeedNodes { get; set; }

    /// <summary>The seed nodes of <see cref="SeedNodes"/>, one per entry.</summary>
    public IReadOnlyList<string> SeedNodeList =>
        (SeedNodes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Where the membership and lease tables live; default: the PostgreSQL storage's connection string.</summary>
    public string? ConnectionString { get; set; }
}
