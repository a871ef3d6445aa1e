namespace Durable.Storage;

/// <summary>
/// A point-in-time request asked for history the store no longer keeps (older than the retention window, compacted
/// into a snapshot) or for a bookmark that is malformed or lies in the future of the object.
/// </summary>
public sealed class PointInTimeUnavailableException(string message) : ArgumentException(message);
