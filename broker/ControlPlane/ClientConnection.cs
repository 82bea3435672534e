using Mediator.Broker.Mediation;
using Mediator.Native;
using Mediator.Policies;

namespace Mediator.Broker.ControlPlane;

/// <summary>One client's control connection and the queues it opened (control thread only).</summary>
internal sealed class ClientConnection : IDisposable
{
    public ClientConnection(uint clientId, SeqPacketSocket socket, PeerCredentials peer)
    {
        ClientId = clientId;
        Socket = socket;
        Peer = peer;
    }

    public uint ClientId { get; }
    public SeqPacketSocket Socket { get; }
    public PeerCredentials Peer { get; }
    public string App { get; set; } = "";
    public ClientPolicy? Policy { get; set; }
    public bool HelloDone => Policy is not null;
    public Dictionary<uint, (QueueSession Session, int DeviceQueue)> Queues { get; } = [];
    public uint NextQueueId { get; set; } = 1;

    /// <summary>The token buckets of the client's rate limits, shared by its queues (data-path thread only).</summary>
    public TxRateLimiter RateLimiter { get; } = new();

    /// <summary>UMEM bytes over this client's open queues.</summary>
    public ulong UmemBytes
    {
        get
        {
            ulong sum = 0;
            foreach (var q in Queues.Values)
            {
                sum += q.Session.UmemSize;
            }
            return sum;
        }
    }

    public void Dispose() => Socket.Dispose();
}
