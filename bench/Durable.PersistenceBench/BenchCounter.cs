using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;

namespace Durable.PersistenceBench;

/// <summary>Adds one to the counter named <see cref="Id"/> and answers the new value.</summary>
public sealed record Increment(string Id);

/// <summary>Answers the counter's value (a recovery when the counter is not active).</summary>
public sealed record Read(string Id);

/// <summary>
/// The persistent counter the measurements used: one event (the added amount, a long) persisted per
/// increment with <c>Persist</c>, so the next command waits for the journal, and the reply leaves after the write.
/// </summary>
public sealed class BenchCounter : ReceivePersistentActor
{
    private long _value;

    public BenchCounter(string id)
    {
        PersistenceId = "counter/" + id;
        Recover<long>(added => _value += added);
        Command<Increment>(_ => Persist(1L, added =>
        {
            _value += added;
            Sender.Tell(_value);
        }));
        Command<Read>(_ => Sender.Tell(_value));
    }

    public override string PersistenceId { get; }
}

/// <summary>Routes by counter id: 100 shards, the entity id is the counter id.</summary>
public sealed class CounterMessages() : HashCodeMessageExtractor(maxNumberOfShards: 100)
{
    public override string? EntityId(object message) => message switch
    {
        Increment i => i.Id,
        Read r => r.Id,
        _ => null,
    };
}
