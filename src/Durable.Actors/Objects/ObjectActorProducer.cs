using Akka.Actor;
using Durable.Internal;

namespace Durable.Objects;

/// <summary>
/// Makes an object's actor by calling its constructor: sharding asks for one per activation, so neither expression
/// evaluation nor reflection stands between a new object and its first event.
/// </summary>
internal sealed class ObjectActorProducer(ObjectRuntime runtime, NamespaceRegistration @namespace, string entityId) : IIndirectActorProducer
{
    public Type ActorType => typeof(ObjectActor);

    public ActorBase Produce() => new ObjectActor(runtime, @namespace, entityId);

    public void Release(ActorBase actor)
    {
    }
}
