namespace Durable.Web.WebSockets;

/// <summary>
/// What a <see cref="SocketActor"/> is told. Anyone holding its ref may also tell it an
/// <see cref="Durable.Internal.OutgoingFrame"/> to send (a close frame closes the socket); these are its own signals.
/// </summary>
internal static class SocketProtocol
{
    /// <summary>The first frame (or a close) is waiting: materialize the outgoing graph.</summary>
    public sealed record Run
    {
        public static readonly Run Instance = new();
    }

    /// <summary>Sending has ended (a close was asked for, or the client was too slow): the client gets the grace period
    /// to take what is queued, then the connection is dropped.</summary>
    public sealed record Closing
    {
        public static readonly Closing Instance = new();
    }

    /// <summary>The grace period after <see cref="Closing"/> ran out.</summary>
    public sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }

    /// <summary>The outgoing graph ended: every queued frame was written (<paramref name="Error"/> null), or writing failed.</summary>
    public sealed record GraphEnded(Exception? Error)
    {
        public static readonly GraphEnded Completed = new((Exception?)null);
    }

    /// <summary>The close frame went out (or could not).</summary>
    public sealed record CloseSent
    {
        public static readonly CloseSent Instance = new();
    }
}
