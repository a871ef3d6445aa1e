using Microsoft.Extensions.Options;

namespace Durable.Hosting;

/// <summary>Checks the runtime's settings on start; each failure names the key, the value and the rule.</summary>
internal sealed class DurableObjectsOptionsValidator
    : IValidateOptions<DurableObjectsOptions>, IValidateOptions<DurableIdOptions>, IValidateOptions<DurableWebSocketOptions>
{
    public ValidateOptionsResult Validate(string? name, DurableObjectsOptions options)
    {
        var failures = new List<string>();
        Positive(nameof(options.IdleTimeout), options.IdleTimeout);
        Positive(nameof(options.EventDeadline), options.EventDeadline);
        Positive(nameof(options.BlockConcurrencyTimeout), options.BlockConcurrencyTimeout);
        Positive(nameof(options.ShutdownTimeout), options.ShutdownTimeout);
        Positive(nameof(options.CollectionInterval), options.CollectionInterval);
        if (options.SnapshotEvery < 0)
            failures.Add($"{DurableObjectsOptions.SectionName}:{nameof(options.SnapshotEvery)} is {options.SnapshotEvery}; it must be 0 (never) or more.");
        if (options.Shards is < 1 or > 100_000)
            failures.Add($"{DurableObjectsOptions.SectionName}:{nameof(options.Shards)} is {options.Shards}; it must be between 1 and 100000.");
        if (options.MaxQueuedEventsPerObject < 1)
            failures.Add($"{DurableObjectsOptions.SectionName}:{nameof(options.MaxQueuedEventsPerObject)} is {options.MaxQueuedEventsPerObject}; it must be at least 1.");
        if (options.MaxInFlightEventsPerNode < 1)
            failures.Add($"{DurableObjectsOptions.SectionName}:{nameof(options.MaxInFlightEventsPerNode)} is {options.MaxInFlightEventsPerNode}; it must be at least 1.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
                failures.Add($"{DurableObjectsOptions.SectionName}:{key} is {value}; it must be a positive duration.");
        }
    }

    public ValidateOptionsResult Validate(string? name, DurableIdOptions options) =>
        options.Secret is { } secret && System.Text.Encoding.UTF8.GetByteCount(secret) < 16
            ? ValidateOptionsResult.Fail($"{DurableIdOptions.SectionName}:{nameof(options.Secret)} has {secret.Length} characters; it must have at least 16.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, DurableWebSocketOptions options)
    {
        var failures = new List<string>();
        AtLeast(nameof(options.MaxMessageSize), options.MaxMessageSize, 125);
        if (options.MaxMessageSize > 256L << 20)
            failures.Add($"{DurableWebSocketOptions.SectionName}:{nameof(options.MaxMessageSize)} is {options.MaxMessageSize}; it must be at most 256 MiB.");
        AtLeast(nameof(options.MaxSocketsPerObject), options.MaxSocketsPerObject, 1);
        AtLeast(nameof(options.MaxAttachmentSize), options.MaxAttachmentSize, 0);
        AtLeast(nameof(options.SendBufferMessages), options.SendBufferMessages, 1);
        if (options.PhoenixHeartbeatTimeout <= TimeSpan.Zero)
            failures.Add($"{DurableWebSocketOptions.SectionName}:{nameof(options.PhoenixHeartbeatTimeout)} is {options.PhoenixHeartbeatTimeout}; it must be a positive duration.");
        if (options.KeepAliveInterval < TimeSpan.Zero)
            failures.Add($"{DurableWebSocketOptions.SectionName}:{nameof(options.KeepAliveInterval)} is {options.KeepAliveInterval}; it must be 0 (off) or positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void AtLeast(string key, long value, long minimum)
        {
            if (value < minimum)
                failures.Add($"{DurableWebSocketOptions.SectionName}:{key} is {value}; it must be at least {minimum}.");
        }
    }
}
