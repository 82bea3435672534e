using Mediator.Abi;
using Mediator.Broker.Hosting;
using Mediator.Broker.Mediation;
using Mediator.Broker.Vhost;
using Mediator.Control;
using Mediator.Native;
using Mediator.Policies;

namespace Mediator.Broker.ControlPlane;

/// <summary>
/// The control server's vhost-user ports: one listening stream socket per port, at most one front end
/// per port at a time. A front end is identified by SO_PEERCRED and resolved to a policy exactly like a
/// library client; it gets an ordinary mediated queue (UMEM private to the broker, a device queue pair
/// with the port's MAC, made when it claims the port with SET_OWNER) whose client side is a
/// <see cref="VhostPort"/> on the data path. Its vhost-user
/// messages are handled here, on the control thread, by a <see cref="VhostConnection"/>.
/// </summary>
internal sealed partial class ControlServer
{
    private const ulong VhostListenTagBase = 1UL << 48;
    private const ulong VhostConnectionTagBase = 2UL << 48;
    private readonly List<VhostListener> _vhostListeners = [];
    private bool _vhostRequireSealed;
    private uint _vhostBudget = 256; // Broker:ClientBudget: a port's guest gets the fairness quantum of any client

    /// <summary>The queue a vhost-user front end gets: 2048 frames of 2 KiB (4 MiB, private to the broker).</summary>
    internal static readonly QueueGeometry VhostGeometry = new()
    {
        FrameSize = 2048, FrameCount = 2048, TxSize = 256, CompletionSize = 256, FillSize = 256, RxSize = 512,
    };

    private sealed class VhostListener(int index, string path, byte[] mac, UnixStreamSocket socket)
    {
        public int Index { get; } = index;
        public string Path { get; } = path;
        public byte[] Mac { get; } = mac;
        public UnixStreamSocket Socket { get; } = socket;
        public VhostClient? Client { get; set; }
    }

    private sealed class VhostClient(uint clientId, ClientPolicy policy, PeerCredentials peer)
    {
        public uint ClientId { get; } = clientId;
        public VhostConnection Connection { get; set; } = null!;
        /// <summary>The port's queue, made at the front end's first SET_OWNER (null before).</summary>
        public QueueSession? Session { get; set; }
        public int DeviceQueue { get; set; } = -1;
        public ClientPolicy Policy { get; set; } = policy;
        public PeerCredentials Peer { get; } = peer;
    }

    /// <summary>
    /// A policy reload reaches connected vhost-user ports as it reaches library clients: the port keeps
    /// its queue and quotas, its packet rules (source MAC, VLAN, ethertypes, rates) are replaced.
    /// </summary>
    private int ReloadVhostPolicies(PolicyResolver policies)
    {
        int changed = 0;
        foreach (var listener in _vhostListeners)
        {
            if (listener.Client is not { } client)
            {
                continue;
            }
            if (Reresolve(policies, client.Peer, client.Policy, client.Connection.ClientId, out var changes) is not { } next)
            {
                continue;
            }
            client.Policy = next; // a queue made later is made under the new rules
            client.Session?.PublishPolicy(PacketPolicy.Compile(next, listener.Mac));
            Log.ClientPolicyChanged(_logger, client.Connection.ClientId, $"vhost:{listener.Path}", 1, string.Join("; ", changes));
            changed++;
        }
        return changed;
    }

    /// <summary>Listens on every configured vhost-user port (before <see cref="Start"/>). Throws <see cref="VhostUserException"/>, naming the path, when one cannot listen.</summary>
    public void AddVhostPorts(IReadOnlyList<VhostUserPortOptions> ports, bool requireSealed, int budget)
    {
        _vhostRequireSealed = requireSealed;
        _vhostBudget = (uint)budget;
        for (int i = 0; i < ports.Count; i++)
        {
            var mac = ports[i].ResolveMac(i);
            string path = ports[i].Path;
            UnixStreamSocket socket;
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                socket = UnixStreamSocket.Listen(path);
                File.SetUnixFileMode(path, (UnixFileMode)0b110_110_000); // owner and group: the policy decides the rest
            }
            catch (Exception e) when (e is IOException or NativeException or UnauthorizedAccessException)
            {
                throw new VhostUserException(path, e.Message, e);
            }
            var listener = new VhostListener(i, path, mac, socket);
            _vhostListeners.Add(listener);
            _epoll.Add(socket.Handle.Fd, VhostListenTagBase + (ulong)i);
            Log.VhostListening(_logger, path, VhostUserPortOptions.Format(mac));
        }
    }

    /// <summary>Handles an epoll event of a vhost-user socket; false when the tag is not one.</summary>
    private bool ServeVhost(ulong tag)
    {
        if (tag >= VhostConnectionTagBase && tag < VhostConnectionTagBase + (ulong)_vhostListeners.Count)
        {
            ServeVhostClient(_vhostListeners[(int)(tag - VhostConnectionTagBase)]);
            return true;
        }
        if (tag >= VhostListenTagBase && tag < VhostListenTagBase + (ulong)_vhostListeners.Count)
        {
            AcceptVhost(_vhostListeners[(int)(tag - VhostListenTagBase)]);
            return true;
        }
        return false;
    }

    /// <summary>Handles what the port's front end sent; disconnects it when it has gone or was refused.</summary>
    private void ServeVhostClient(VhostListener listener)
    {
        if (listener.Client is not { } client)
        {
            return;
        }
        bool keep;
        try
        {
            keep = client.Connection.Serve();
        }
        catch (Exception e) when (e is NativeException or TimeoutException or IOException)
        {
            Log.VhostFailed(_logger, client.Connection.ClientId, e);
            keep = false;
        }
        if (!keep)
        {
            DisconnectVhost(listener);
        }
    }

    private void AcceptVhost(VhostListener listener)
    {
        UnixStreamSocket? socket;
        try
        {
            socket = listener.Socket.Accept();
        }
        catch (NativeException e)
        {
            Log.AcceptFailed(_logger, e.Message);
            return;
        }
        if (socket is null)
        {
            return;
        }
        string? refusal = null;
        VhostClient? client = null;
        try
        {
            client = OpenVhostClient(listener, socket, out refusal);
        }
        catch (Exception e) when (e is NativeException or ArgumentException)
        {
            refusal = e.Message;
        }
        if (client is null)
        {
            Log.VhostConnectionRefused(_logger, listener.Path, refusal ?? "unknown");
            socket.Dispose();
            return;
        }
        listener.Client = client;
        _epoll.Add(socket.Handle.Fd, VhostConnectionTagBase + (ulong)listener.Index);
    }

    private VhostClient? OpenVhostClient(VhostListener listener, UnixStreamSocket socket, out string? refusal)
    {
        // The front end before this one may have gone with its hang-up still queued behind this
        // accept: serve it now, so a restarted front end is not refused.
        ServeVhostClient(listener);
        if (listener.Client is not null)
        {
            refusal = "a front end is already connected on this port";
            return null;
        }
        var peer = socket.GetPeerCredentials();
        var policy = _policies.Resolve(peer, out var denied);
        if (denied is not null)
        {
            refusal = $"policy: {denied.Reason}";
            return null;
        }
        var geometry = VhostGeometry;
        if (policy.MaxQueues < 1 || geometry.UmemSize > (ulong)policy.MaxUmemBytes)
        {
            refusal = $"policy '{policy.Name}' does not allow one queue of {geometry.UmemSize} bytes";
            return null;
        }
        var client = new VhostClient(_nextClientId++, policy, peer);
        client.Connection = new VhostConnection(client.ClientId, socket, () => OpenVhostQueue(listener, client), _vhostRequireSealed, _logger);
        Log.VhostConnected(_logger, listener.Path, client.ClientId, peer.Pid, peer.Uid, peer.Gid, policy.Name);
        refusal = null;
        return client;
    }

    /// <summary>
    /// Makes the port's queue when its front end claims it (SET_OWNER): a device queue pair with the
    /// port's MAC, the UMEM and rings private to the broker, the policy's packet rules, and the
    /// <see cref="VhostPort"/> that the data path then runs. Returns the refusal when it cannot.
    /// </summary>
    private (VhostPort? Port, string? Refusal) OpenVhostQueue(VhostListener listener, VhostClient client)
    {
        var geometry = VhostGeometry;
        if (!_queuePool.TryRent(out int deviceQueue))
        {
            return (null, "every device queue pair is in use");
        }
        QueueSession session;
        try
        {
            session = QueueFactory.Create(_device.Model, client.ClientId, 1, deviceQueue, geometry, client.Policy.MaxFrameLength, _throttleMicroseconds, mac: listener.Mac,
                consumerInBroker: true);
        }
        catch (Exception e) when (e is NativeException or ArgumentException)
        {
            _queuePool.Return(deviceQueue);
            return (null, $"the port's queue could not be made: {e.Message}");
        }
        session.Memory.CloseDescriptors(); // the UMEM and rings never leave the broker
        session.RateLimiter = new TxRateLimiter();
        session.PublishPolicy(PacketPolicy.Compile(client.Policy, listener.Mac));
        var port = new VhostPort(session, _dataPath.Sessions, _vhostBudget);
        session.Front = port;
        Metrics?.Register(session, $"vhost:{listener.Path}", client.Policy.Name);
        client.Session = session;
        client.DeviceQueue = deviceQueue;
        // Only the data path serves the queue: its VhostPort arms the fill entries itself. (Retire still
        // asks the re-arm worker to let go, which is a no-op for a queue it never had.)
        _dataPath.Sessions.Post(new SessionCommand(session, Add: true));
        Log.QueueOpened(_logger, client.ClientId, 1, deviceQueue, $"{geometry}, vhost-user port {listener.Path}");
        return (port, null);
    }

    private void DisconnectVhost(VhostListener listener)
    {
        if (listener.Client is not { } client)
        {
            return;
        }
        listener.Client = null;
        var connection = client.Connection;
        _epoll.Remove(connection.Socket.Handle.Fd);
        // The queue leaves both threads first (the data path lets go of the guest's rings as it removes
        // it), then the guest's memory is unmapped and its descriptors closed.
        var final = client.Session is { } session ? Retire(connection.ClientId, 1, session, client.DeviceQueue) : new ulong[(int)QueueCounter.Count];
        connection.Dispose();
        Log.VhostGone(_logger, connection.ClientId, final[(int)QueueCounter.VhostTxFrames], final[(int)QueueCounter.VhostRxFrames],
            final[(int)QueueCounter.VhostRxNoGuestBuffer], final[(int)QueueCounter.VhostTxRefused] + final[(int)QueueCounter.VhostRxRefused]);
    }

    /// <summary>Adds the counters of every vhost-user port's queue into <paramref name="sum"/>.</summary>
    private void AddVhostCountersTo(Span<ulong> sum)
    {
        foreach (var listener in _vhostListeners)
        {
            listener.Client?.Session?.AddCountersTo(sum);
        }
    }

    /// <summary>Disconnects every front end and closes the listeners (control thread, at stop).</summary>
    private void StopVhost()
    {
        foreach (var listener in _vhostListeners)
        {
            DisconnectVhost(listener);
        }
    }

    /// <summary>Closes the listening sockets and removes their files.</summary>
    private void DisposeVhost()
    {
        foreach (var listener in _vhostListeners)
        {
            try
            {
                listener.Socket.DeleteBoundFile(listener.Path);
            }
            catch (IOException)
            {
            }
            listener.Socket.Dispose();
        }
    }
}
