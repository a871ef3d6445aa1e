namespace Durable.Web.Node;

/// <summary>Settings of the node process itself, bound from <c>Durable:Node</c>.</summary>
public sealed class NodeOptions
{
    public const string SectionName = "Durable:Node";

    /// <summary>
    /// After this long with almost no allocation (the node is idle), one compacting collection returns the memory the
    /// garbage collector holds but no longer uses to the operating system. Zero turns it off. Default 10 s.
    /// </summary>
    public TimeSpan TrimMemoryAfterIdle { get; set; } = TimeSpan.FromSeconds(10);
}
