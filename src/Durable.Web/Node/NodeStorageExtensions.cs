using Durable.Configuration;
using Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

public static class NodeStorageExtensions
{
    /// <summary>Uses the provider named by <c>Durable:Storage:Provider</c>; each provider reads its own subsection.</summary>
    public static DurableObjectsBuilder UseConfiguredStorage(this DurableObjectsBuilder builder, IConfiguration configuration)
    {
        var options = new NodeStorageOptions();
        DurableSettingBinder.Bind(configuration, NodeStorageOptions.SectionName, options);
        return options.Provider switch
        {
            NodeStorageProvider.Memory => builder.UseInMemoryStorage(),
            var provider => throw new OptionsValidationException(NodeStorageOptions.SectionName, typeof(NodeStorageOptions),
                [$"{NodeStorageOptions.SectionName}:{nameof(options.Provider)} = '{provider}'"
                 + $"{DurableSettingBinder.Where(configuration, $"{NodeStorageOptions.SectionName}:{nameof(options.Provider)}")}: "
                 + "this build has no such provider; use memory."]),
        };
    }
}
