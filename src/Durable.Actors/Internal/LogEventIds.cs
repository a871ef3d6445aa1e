namespace Durable.Internal;

/// <summary>Every log event id of the runtime, in one place so ids never collide.</summary>
internal static class LogEventIds
{
    public const int RuntimeStarted = 1000;
    public const int RuntimeStopping = 1001;
    public const int RuntimeStopped = 1002;
    public const int ShutdownTimedOut = 1003;

    public const int Activated = 1100;
    public const int Reset = 1102;
    public const int InstantiationFailed = 1104;
    public const int Crashed = 1105;
    public const int WaitUntilFailed = 1107;
    public const int ObjectStopped = 1108;
    public const int ObjectSnapshotFailed = 1109;
    public const int EventRedispatched = 1110;
    public const int EventLost = 1111;

    public const int CheckpointFailed = 1206;
    public const int Checkpointed = 1207;

    public const int AlarmRetrying = 1300;
    public const int AlarmDropped = 1301;
    public const int AlarmBookRecovered = 1302;

    public const int SocketAccepted = 1400;
    public const int SocketRefused = 1401;
    public const int SocketClosed = 1402;
    public const int SocketEventFailed = 1403;
    public const int SocketMessageTooBig = 1404;
    public const int SocketOverloaded = 1405;
    public const int SocketMoved = 1406;
    public const int SocketsGoingAway = 1407;
    public const int SocketsGathered = 1408;
    public const int PhoenixMalformedFrame = 1410;
    public const int PhoenixHeartbeatTimeout = 1411;
    public const int PhoenixChannelFailed = 1412;

    public const int EdgeObjectAnswered = 2000;
    public const int EdgeRequestRejected = 2001;
    public const int EdgeClientWentAway = 2002;

    public const int NodeConfigured = 2100;
    public const int NodeConfigurationInvalid = 2101;
}
