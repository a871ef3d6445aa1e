using Durable.Cluster;
using Durable.Cluster.Internal;
using Durable.Web.WebSockets.Cluster;

namespace Durable.Web.WebSockets.Phoenix;

/// <summary>
/// Cluster: topics whose object another node owns. Their frames go, unchanged, over one <see cref="PhoenixLink"/> per
/// owner node (opened at the first join there, closed when the client leaves); the owner registers the subscription
/// with the object, so a broadcast reaches every subscriber whatever node its socket is on. Heartbeats stay here. A
/// join asks the cluster where the object lives each time, so a rejoin after <c>phx_error</c> (link dropped, or the
/// shard moved and its old owner ended the subscription) reaches the new owner.
/// </summary>
internal sealed partial class PhoenixConnection
{
    private readonly Lock _relaySync = new();
    private readonly Dictionary<string, RelayedTopic> _relayed = new(StringComparer.Ordinal);
    private readonly Dictionary<NodeId, PhoenixLink> _links = [];
    private bool _relayClosed;

    private sealed record RelayedTopic(PhoenixLink Link, string? JoinRef);

    /// <summary>Relays a frame whose topic another node owns; false when the topic is served here.</summary>
    private async Task<bool> TryRelayAsync(PhoenixFrame frame, ReadOnlyMemory<byte> raw)
    {
        if (!_relay || _endpoint.Nodes is not { } nodes) return false;
        if (frame.Event != PhoenixFrame.Join)
        {
            RelayedTopic? relayed;
            lock (_relaySync)
            {
                if (!_relayed.TryGetValue(frame.Topic, out relayed)) return false;
                if (frame.Event == PhoenixFrame.Leave) _relayed.Remove(frame.Topic);
            }
            relayed.Link.Send(raw.ToArray());
            return true;
        }
        if (TopicObject(frame.Topic) is not { } id) return false;
        for (var attempt = 0; ; attempt++)
        {
            ObjectOwner? owner;
            try
            {
                owner = await nodes.Owners.FindOwnerAsync(id, _stop.Token);
            }
            catch (ShardMovedException error)
            {
                Log.RelayFailed(_endpoint.Logger, id, error.Message);
                Reply(frame, "error", """{"reason":"unavailable"}"""u8);
                return true;
            }
            EndRelayed(frame.Topic, owner?.Node);
            if (owner is null) return false;
            if (await LinkAsync(nodes, owner.Value) is { } link)
            {
                if (_joined.Remove(frame.Topic, out var previous))
                {
                    // A duplicate join (Phoenix's rule): the membership here ends (phx_close), the new one is at the owner.
                    Leave(previous, "leave");
                    Push(previous.JoinRef, frame.Topic, PhoenixFrame.Close, EmptyObject);
                }
                lock (_relaySync) _relayed[frame.Topic] = new RelayedTopic(link, frame.JoinRef);
                link.Send(raw.ToArray());
                return true;
            }
            if (attempt > 0)
            {
                Reply(frame, "error", """{"reason":"unavailable"}"""u8);
                return true;
            }
            await nodes.Owners.RefreshAsync(_stop.Token);
        }
    }

    /// <summary>A topic relayed to a node other than <paramref name="keepAt"/> leaves there (a duplicate join elsewhere).</summary>
    private void EndRelayed(string topic, NodeId? keepAt)
    {
        RelayedTopic? old;
        lock (_relaySync)
        {
            if (!_relayed.TryGetValue(topic, out old) || old.Link.Node == keepAt) return;
            _relayed.Remove(topic);
        }
        old.Link.Send(PhoenixFrame.Encode(old.JoinRef, null, topic, PhoenixFrame.Leave, EmptyObject));
    }

    /// <summary>The open link to <paramref name="owner"/>, opened now if there is none; null when it cannot be reached.</summary>
    private async Task<PhoenixLink?> LinkAsync(NodeSockets nodes, ObjectOwner owner)
    {
        lock (_relaySync)
        {
            if (_links.TryGetValue(owner.Node, out var open) && open.IsOpen) return open;
        }
        var target = new Uri($"{owner.Url.TrimEnd('/')}{PhoenixEndpoint.InternalPath}?vsn=2.0.0");
        var connection = await nodes.ConnectAsync(owner, target, null, _stop.Token);
        if (connection.Socket is not { } socket) return null;
        // The old cluster runs on the classic engine, whose client sockets are SocketConnections (its relay waits for each
        // frame to drain); the cluster issue replaces these links.
        var client = _connection as SocketConnection
            ?? throw new InvalidOperationException("Phoenix relays to other nodes run on the classic engine only.");
        var link = new PhoenixLink(owner.Node, socket, client, nodes, OnLinkDropped);
        lock (_relaySync)
        {
            if (!_relayClosed)
            {
                _links[owner.Node] = link;
                link.Start();
                return link;
            }
        }
        await link.DisposeAsync();
        return null;
    }

    /// <summary>Every topic relayed over a link that dropped gets <c>phx_error</c>; the client rejoins.</summary>
    private void OnLinkDropped(PhoenixLink link)
    {
        List<(string Topic, string? JoinRef)> lost;
        lock (_relaySync)
        {
            if (_links.GetValueOrDefault(link.Node) == link) _links.Remove(link.Node);
            lost = [.. _relayed.Where(r => r.Value.Link == link).Select(r => (r.Key, r.Value.JoinRef))];
            foreach (var (topic, _) in lost) _relayed.Remove(topic);
            if (_relayClosed) return;
        }
        foreach (var (topic, joinRef) in lost) Push(joinRef, topic, PhoenixFrame.Error, EmptyObject, joinRef);
    }

    /// <summary>The client left: every link closes, and the other nodes leave the topics joined over them.</summary>
    private async Task CloseLinksAsync()
    {
        List<PhoenixLink> links;
        lock (_relaySync)
        {
            _relayClosed = true;
            links = [.. _links.Values];
            _links.Clear();
            _relayed.Clear();
        }
        foreach (var link in links) await link.DisposeAsync();
    }
}
