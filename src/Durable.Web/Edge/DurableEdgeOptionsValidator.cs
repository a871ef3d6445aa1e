using Microsoft.Extensions.Options;

namespace Durable.Web.Edge;

/// <summary>Checks the edge's settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class DurableEdgeOptionsValidator : IValidateOptions<DurableEdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, DurableEdgeOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRequestBodySize < 1)
            failures.Add($"{DurableEdgeOptions.SectionName}:{nameof(options.MaxRequestBodySize)} is {options.MaxRequestBodySize}; it must be at least 1 byte.");
        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromHours(1))
            failures.Add($"{DurableEdgeOptions.SectionName}:{nameof(options.RetryAfter)} is {options.RetryAfter}; it must be between 1 s and 1 h.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
