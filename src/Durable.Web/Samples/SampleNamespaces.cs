using Durable.Hosting;

namespace Durable.Web.Samples;

/// <summary>The namespaces the default node serves.</summary>
public static class SampleNamespaces
{
    public static DurableObjectsOptions AddSamples(this DurableObjectsOptions options) => options
        .AddNamespace<Counter>("counter")
        .AddNamespace<KvStore>("kv")
        .AddNamespace<ChatRoom>("chat")
        .AddNamespace<Echo>("echo");
}
