namespace Durable.Internal;

/// <summary>Something a turn sent (a socket frame, a channel push) that the output gate releases once the turn's writes are durable.</summary>
internal interface IHeldOutput
{
    void Release();
}
