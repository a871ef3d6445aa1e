namespace Durable;

/// <summary>What the runtime tells an alarm handler about the current attempt.</summary>
/// <param name="RetryCount">How many earlier attempts of this alarm failed.</param>
public readonly record struct AlarmInfo(int RetryCount)
{
    /// <summary>True when an earlier attempt of this alarm failed.</summary>
    public bool IsRetry => RetryCount > 0;
}
