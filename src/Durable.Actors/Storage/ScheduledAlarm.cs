namespace Durable.Storage;

/// <summary>One entry of a store's alarm index: the object and the time its alarm is due.</summary>
public readonly record struct ScheduledAlarm(ObjectKey Key, DateTimeOffset Due);
