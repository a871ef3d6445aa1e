using System.Net;
using System.Net.Sockets;

namespace Durable.Tests;

/// <summary>Ports free on 127.0.0.1 now, for test nodes' remoting (each bound once by the OS, then released).</summary>
internal static class LoopbackPorts
{
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
