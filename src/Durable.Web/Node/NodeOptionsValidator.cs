using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

/// <summary>Checks the node's own settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options) =>
        options.TrimMemoryAfterIdle < TimeSpan.Zero
            ? ValidateOptionsResult.Fail(
                $"{NodeOptions.SectionName}:{nameof(options.TrimMemoryAfterIdle)} is {options.TrimMemoryAfterIdle}; it must be 0 (off) or positive.")
            : ValidateOptionsResult.Success;
}
