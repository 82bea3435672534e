using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Broker.Hosting;
using Mediator.Broker.Mediation;
using Mediator.Control;
using Mediator.Native;
using Mediator.Policies;
using Microsoft.Extensions.Logging;

namespace Mediator.Broker.ControlPlane;

/// <summary>
/// The control plane: one thread that accepts clients on the AF_UNIX socket, reads their SO_PEERCRED
/// identity, and answers Hello / OpenQueue / CloseQueue / Stats. Every malformed, out-of-order or
/// oversized message gets an error reply and changes nothing; descriptors a client sends are closed.
/// A client that disconnects or dies has its queues drained and freed while other clients go on.
/// </summary>
internal sealed partial class ControlServer : IDisposable
{
    private const ulong ListenTag = 0;
    private const ulong StopTag = ulong.MaxValue;
    private readonly SeqPacketSocket _listener;
    private readonly Epoll _epoll = new();
    private readonly EventFd _stopSignal = new();
    private readonly Dictionary<ulong, ClientConnection> _connections = [];
    private readonly BrokerDevice _device;
    private readonly DataPathLoop _dataPath;
    private readonly RxRearmWorker? _rearm;
    private PolicyResolver _policies; // replaced by a reload (control thread)
    private readonly DeviceQueuePool _queuePool;
    private readonly BrokerTotals _totals = new();
    private readonly ILogger _logger;
    private readonly int _maxConnections;
    private readonly uint _throttleMicroseconds;
    private readonly byte[] _receive = new byte[ControlCodec.MaxMessageSize + 1];
    private readonly byte[] _send = new byte[ControlCodec.MaxMessageSize];
    private readonly Thread _thread;
    private volatile bool _stop;
    private uint _nextClientId = 1;

    // rearm: the parallel RX re-arm worker, or null when the data path re-arms inline.
    public ControlServer(string socketPath, int socketMode, BrokerDevice device, DataPathLoop dataPath, RxRearmWorker? rearm,
        PolicyResolver policies, int deviceQueues, int maxConnections, uint throttleMicroseconds, ILogger logger)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        _listener = SeqPacketSocket.Listen(socketPath);
        File.SetUnixFileMode(socketPath, (UnixFileMode)socketMode);
        SocketPath = socketPath;
        _device = device;
        _dataPath = dataPath;
        _rearm = rearm;
        _policies = policies;
        _queuePool = new DeviceQueuePool(deviceQueues);
        _maxConnections = maxConnections;
        _throttleMicroseconds = throttleMicroseconds;
        _logger = logger;
        _epoll.Add(_listener.Handle.Fd, ListenTag);
        _epoll.Add(_stopSignal.Handle.Fd, StopTag);
        _epoll.Add(_reloadSignal.Handle.Fd, ReloadTag);
        _thread = new Thread(Run) { Name = "mediator-control", IsBackground = true };
    }

    /// <summary>Where clients connect.</summary>
    public string SocketPath { get; }

    /// <summary>Connected clients.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    private int _connectionCount;

    public void Start() => _thread.Start();

    /// <summary>Stops accepting, tells every client Goodbye, drains and frees every queue.</summary>
    public void Stop()
    {
        _stop = true;
        _stopSignal.Signal();
        _thread.Join();
    }

    private void Run()
    {
        Span<ulong> ready = stackalloc ulong[32];
        while (!_stop)
        {
            int n = _epoll.Wait(ready, 1000);
            for (int i = 0; i < n && !_stop; i++)
            {
                ulong tag = ready[i];
                if (tag == ListenTag)
                {
                    Accept();
                }
                else if (tag == ReloadTag)
                {
                    ApplyPendingPolicies();
                }
                else if (tag != StopTag && ServeVhost(tag))
                {
                }
                else if (tag != StopTag && _connections.TryGetValue(tag, out var connection))
                {
                    try
                    {
                        if (!Serve(connection))
                        {
                            Disconnect(connection);
                        }
                    }
                    catch (Exception e)
                    {
                        Log.ConnectionFailed(_logger, connection.ClientId, e);
                        Disconnect(connection);
                    }
                }
            }
        }
        int clients = _connections.Count;
        foreach (var connection in _connections.Values.ToArray())
        {
            TrySend(connection, ControlCodec.WriteEmpty(_send, MessageType.Goodbye, 0), default);
            Disconnect(connection);
        }
        StopVhost();
        Log.Stopped(_logger, clients);
    }

    private void Accept()
    {
        SeqPacketSocket? socket;
        try
        {
            socket = _listener.Accept(0);
        }
        catch (NativeException e)
        {
            // EMFILE/ENFILE/ENOMEM: the connection waits in the backlog; the broker keeps serving
            // the clients it has rather than dying.
            Log.AcceptFailed(_logger, e.Message);
            return;
        }
        if (socket is null)
        {
            return;
        }
        if (_connections.Count >= _maxConnections)
        {
            Log.TooManyConnections(_logger, _connections.Count);
            int len = ControlCodec.WriteError(_send, 0, ErrorCode.QuotaExceeded, MessageType.Hello, "too many connections");
            try
            {
                socket.Send(_send.AsSpan(0, len));
            }
            catch (NativeException)
            {
            }
            socket.Dispose();
            return;
        }
        PeerCredentials peer;
        try
        {
            MakeNonBlocking(socket);
            peer = socket.GetPeerCredentials();
        }
        catch (NativeException)
        {
            socket.Dispose();
            return;
        }
        var connection = new ClientConnection(_nextClientId++, socket, peer);
        _connections[connection.ClientId] = connection;
        _epoll.Add(socket.Handle.Fd, connection.ClientId);
        Volatile.Write(ref _connectionCount, _connections.Count);
    }

    /// <summary>
    /// Replies must never block the control thread: a client that pipelines requests without reading
    /// the replies fills its socket, and a blocking send would stall every other client. With the
    /// socket non-blocking that send fails (EAGAIN) and only that client is disconnected.
    /// </summary>
    private static void MakeNonBlocking(SeqPacketSocket socket)
    {
        int fd = socket.Handle.Fd;
        int flags = Tmds.Linux.LibC.fcntl(fd, Tmds.Linux.LibC.F_GETFL);
        if (flags < 0 || Tmds.Linux.LibC.fcntl(fd, Tmds.Linux.LibC.F_SETFL, flags | Tmds.Linux.LibC.O_NONBLOCK) != 0)
        {
            NativeException.ThrowLastError("fcntl(O_NONBLOCK)");
        }
    }

    /// <summary>Handles one message; false when the peer has gone.</summary>
    private bool Serve(ClientConnection c)
    {
        var received = c.Socket.Receive(_receive, 0);
        if (received is null)
        {
            return true;
        }
        if (received.Closed)
        {
            return false;
        }
        ReadOnlySpan<byte> message = _receive.AsSpan(0, received.Length);
        MessageHeader header = message.Length >= MessageHeader.Size ? MemoryMarshal.Read<MessageHeader>(message) : default;
        var type = (MessageType)header.Type;
        if (received.Fds.Count != 0)
        {
            received.DisposeFds();
            return Refuse(c, header.RequestId, ErrorCode.UnexpectedFds, type, $"{received.Fds.Count} descriptors attached; the broker accepts none");
        }
        if (received.Truncated || received.Length > ControlCodec.MaxMessageSize)
        {
            return Refuse(c, header.RequestId, ErrorCode.TooLarge, type, $"messages are at most {ControlCodec.MaxMessageSize} bytes");
        }
        var check = ControlCodec.TryReadHeader(message, out header);
        if (check != ErrorCode.None)
        {
            return Refuse(c, header.RequestId, check, type, check == ErrorCode.UnsupportedVersion
                ? $"ABI version {header.Version} is not supported; this broker speaks {AbiVersion.Current}"
                : "bad magic, or the length field disagrees with the bytes received");
        }
        return type switch
        {
            MessageType.Hello => Hello(c, header, message),
            MessageType.OpenQueue => OpenQueue(c, header, message),
            MessageType.CloseQueue => CloseQueue(c, header, message),
            MessageType.Stats => Stats(c, header, message),
            MessageType.MapDevice => MapDevice(c, header, message),
            _ => Refuse(c, header.RequestId, ErrorCode.UnknownType, type, $"message type {header.Type} is not a request this broker knows"),
        };
    }

    private unsafe bool Hello(ClientConnection c, MessageHeader header, ReadOnlySpan<byte> message)
    {
        if (c.HelloDone)
        {
            return Refuse(c, header.RequestId, ErrorCode.OutOfOrder, MessageType.Hello, "Hello was already answered on this connection");
        }
        if (!ControlCodec.TryReadBody(message, out HelloRequest hello) || hello.Flags != 0)
        {
            return Refuse(c, header.RequestId, ErrorCode.Malformed, MessageType.Hello, "Hello body must be 40 bytes with Flags 0");
        }
        if (hello.AbiVersion != AbiVersion.Current)
        {
            return Refuse(c, header.RequestId, ErrorCode.UnsupportedVersion, MessageType.Hello, $"ABI version {hello.AbiVersion} is not supported; this broker speaks {AbiVersion.Current}");
        }
        var policy = _policies.Resolve(c.Peer, out var refusal);
        if (refusal is not null)
        {
            return Refuse(c, header.RequestId, ErrorCode.PolicyDenied, MessageType.Hello, refusal.Reason);
        }
        c.Policy = policy;
        c.App = ControlCodec.FromUtf8Field(new ReadOnlySpan<byte>(hello.AppName, 32));
        Log.ClientHello(_logger, c.ClientId, c.Peer.Pid, c.Peer.Uid, c.Peer.Gid, c.App, policy.Name);
        var reply = new HelloReply
        {
            AbiVersion = AbiVersion.Current, ClientId = c.ClientId, Mode = (uint)policy.Mode, MaxQueues = (uint)policy.MaxQueues,
            MaxUmemBytes = (ulong)policy.MaxUmemBytes, MaxFrameLength = (uint)policy.MaxFrameLength,
        };
        return TrySend(c, ControlCodec.Write(_send, MessageType.HelloReply, header.RequestId, reply), default);
    }

    private unsafe bool OpenQueue(ClientConnection c, MessageHeader header, ReadOnlySpan<byte> message)
    {
        if (c.Policy is not { } policy)
        {
            return Refuse(c, header.RequestId, ErrorCode.OutOfOrder, MessageType.OpenQueue, "say Hello first");
        }
        if (!ControlCodec.TryReadBody(message, out OpenQueueRequest request) || (request.Flags & ~(uint)OpenQueueFlags.DeviceAccess) != 0 || request.Reserved != 0)
        {
            return Refuse(c, header.RequestId, ErrorCode.Malformed, MessageType.OpenQueue, "OpenQueue body must be 32 bytes, Flags only DeviceAccess, Reserved 0");
        }
        var mode = ClientMode.Mediated;
        if ((request.Flags & (uint)OpenQueueFlags.DeviceAccess) != 0)
        {
            if (policy.Mode == ClientMode.Mediated)
            {
                return Refuse(c, header.RequestId, ErrorCode.PolicyDenied, MessageType.OpenQueue, $"policy '{policy.Name}' grants Mediated only; no device access");
            }
            mode = policy.Mode;
        }
        var geometry = request.Geometry;
        if (geometry.Validate() is { } invalid)
        {
            return Refuse(c, header.RequestId, ErrorCode.InvalidGeometry, MessageType.OpenQueue, invalid);
        }
        if (c.Queues.Count >= policy.MaxQueues)
        {
            return Refuse(c, header.RequestId, ErrorCode.QuotaExceeded, MessageType.OpenQueue, $"policy '{policy.Name}' allows {policy.MaxQueues} queues");
        }
        if (c.UmemBytes + geometry.UmemSize > (ulong)policy.MaxUmemBytes)
        {
            return Refuse(c, header.RequestId, ErrorCode.QuotaExceeded, MessageType.OpenQueue,
                $"UMEM of {geometry.UmemSize} bytes would exceed the {policy.MaxUmemBytes} bytes policy '{policy.Name}' allows");
        }
        if (!_queuePool.TryRent(out int deviceQueue))
        {
            return Refuse(c, header.RequestId, ErrorCode.NoDeviceQueue, MessageType.OpenQueue, "every device queue pair is in use");
        }
        QueueSession session;
        uint queueId = c.NextQueueId++;
        try
        {
            session = QueueFactory.Create(_device.Model, c.ClientId, queueId, deviceQueue, geometry, policy.MaxFrameLength, _throttleMicroseconds, mode);
        }
        catch (Exception e) when (e is NativeException or ArgumentException)
        {
            _queuePool.Return(deviceQueue);
            return Refuse(c, header.RequestId, ErrorCode.Internal, MessageType.OpenQueue, e.Message);
        }
        AttachPolicy(c, session, deviceQueue);
        c.Queues[queueId] = (session, deviceQueue);
        _rearm?.Sessions.Post(new SessionCommand(session, Add: true));
        _dataPath.Sessions.Post(new SessionCommand(session, Add: true));
        Log.QueueOpened(_logger, c.ClientId, queueId, deviceQueue, mode == ClientMode.Mediated ? geometry.ToString() : $"{geometry}, {mode}");

        var reply = new OpenQueueReply
        {
            QueueId = queueId, DeviceQueue = (uint)deviceQueue, Geometry = geometry, UmemSize = geometry.UmemSize,
            ClientAreaSize = (ulong)session.Layout.ClientAreaSize, BrokerAreaSize = (ulong)session.Layout.BrokerAreaSize, FdCount = 7,
        };
        QueueFactory.MacFor(deviceQueue).CopyTo(new Span<byte>(reply.Mac, 6));
        var m = session.Memory;
        var e2 = session.Events;
        Span<int> fds = [m.UmemFd.Fd, m.ClientAreaFd.Fd, m.BrokerAreaFd.Fd, e2.TxKick.Handle.Fd, e2.FillKick.Handle.Fd, e2.RxNotify.Handle.Fd, e2.TxNotify.Handle.Fd];
        bool sent = TrySend(c, ControlCodec.Write(_send, MessageType.OpenQueueReply, header.RequestId, reply), fds);
        m.CloseDescriptors(); // the client holds its own copies now; our mappings keep the memory
        return sent;
    }

    /// <summary>
    /// Unsafe modes: hands a queue opened with DeviceAccess what igb_uio would — the device ring memfds and
    /// bus addresses, and the TX doorbell page (TxDirect) or BAR0 and the MSI-X table (DirectMap). The
    /// broker keeps its own descriptors (the rings') until the queue closes, so the request may repeat.
    /// </summary>
    private bool MapDevice(ClientConnection c, MessageHeader header, ReadOnlySpan<byte> message)
    {
        if (c.Policy is not { } policy)
        {
            return Refuse(c, header.RequestId, ErrorCode.OutOfOrder, MessageType.MapDevice, "say Hello first");
        }
        if (!ControlCodec.TryReadBody(message, out MapDeviceRequest request) || request.Reserved != 0)
        {
            return Refuse(c, header.RequestId, ErrorCode.Malformed, MessageType.MapDevice, "MapDevice body must be 8 bytes with Reserved 0");
        }
        if (!c.Queues.TryGetValue(request.QueueId, out var q))
        {
            return Refuse(c, header.RequestId, ErrorCode.UnknownQueue, MessageType.MapDevice, $"no queue {request.QueueId} on this connection");
        }
        var session = q.Session;
        if (session.Mode == ClientMode.Mediated)
        {
            return Refuse(c, header.RequestId, ErrorCode.PolicyDenied, MessageType.MapDevice, policy.Mode == ClientMode.Mediated
                ? $"policy '{policy.Name}' grants Mediated only; the device is never mapped"
                : $"queue {request.QueueId} is mediated; open it with DeviceAccess to drive the device");
        }
        var driver = session.Driver;
        var model = _device.Model;
        var reply = new MapDeviceReply
        {
            QueueId = request.QueueId, Mode = (uint)session.Mode, DeviceQueue = (uint)q.DeviceQueue, Vector = (uint)driver.Vector,
            UmemBusAddress = driver.UmemBusAddress, TxRingBusAddress = driver.TxRingBusAddress, TxRingSize = driver.TxSize,
            InterruptSlotBusAddress = model.Interrupts.SlotAddress(driver.Vector), InterruptSlotData = (uint)driver.Vector,
            CanaryBusAddress = model.Canary.BusAddress,
        };
        Span<int> fds = stackalloc int[MapDeviceReply.DirectMapFdCount];
        fds[0] = driver.TxRingFile!.Fd;
        if (session.Mode == ClientMode.TxDirect)
        {
            fds[1] = driver.DoorbellPage!.File.Fd;
            reply.FdCount = MapDeviceReply.TxDirectFdCount;
        }
        else
        {
            reply.RxRingBusAddress = driver.RxRingBusAddress;
            reply.RxRingSize = driver.RxSize;
            fds[1] = driver.RxRingFile!.Fd;
            fds[2] = driver.Port.ShareBar0().Fd;
            fds[3] = driver.Port.MsixTableFile.Fd;
            reply.FdCount = MapDeviceReply.DirectMapFdCount;
        }
        Log.DeviceMapped(_logger, c.ClientId, request.QueueId, q.DeviceQueue, session.Mode.ToString());
        return TrySend(c, ControlCodec.Write(_send, MessageType.MapDeviceReply, header.RequestId, reply), fds[..reply.FdCount]);
    }

    private bool CloseQueue(ClientConnection c, MessageHeader header, ReadOnlySpan<byte> message)
    {
        if (!c.HelloDone)
        {
            return Refuse(c, header.RequestId, ErrorCode.OutOfOrder, MessageType.CloseQueue, "say Hello first");
        }
        if (!ControlCodec.TryReadBody(message, out CloseQueueRequest request) || request.Reserved != 0)
        {
            return Refuse(c, header.RequestId, ErrorCode.Malformed, MessageType.CloseQueue, "CloseQueue body must be 8 bytes with Reserved 0");
        }
        if (!c.Queues.ContainsKey(request.QueueId))
        {
            return Refuse(c, header.RequestId, ErrorCode.UnknownQueue, MessageType.CloseQueue, $"no queue {request.QueueId} on this connection");
        }
        Close(c, request.QueueId);
        return TrySend(c, ControlCodec.Write(_send, MessageType.CloseQueueReply, header.RequestId, request), default);
    }

    private bool Stats(ClientConnection c, MessageHeader header, ReadOnlySpan<byte> message)
    {
        if (!c.HelloDone)
        {
            return Refuse(c, header.RequestId, ErrorCode.OutOfOrder, MessageType.Stats, "say Hello first");
        }
        if (!ControlCodec.TryReadBody(message, out StatsRequest request) || request.Reserved != 0)
        {
            return Refuse(c, header.RequestId, ErrorCode.Malformed, MessageType.Stats, "Stats body must be 8 bytes with Reserved 0");
        }
        Span<ulong> sum = stackalloc ulong[(int)QueueCounter.Count];
        sum.Clear();
        if (request.QueueId == StatsRequest.AllQueues)
        {
            _totals.AddTo(sum);
            _device.AddCountersTo(sum);
            foreach (var connection in _connections.Values)
            {
                foreach (var q in connection.Queues.Values)
                {
                    q.Session.AddCountersTo(sum);
                }
            }
            AddVhostCountersTo(sum);
        }
        else if (c.Queues.TryGetValue(request.QueueId, out var q))
        {
            q.Session.AddCountersTo(sum);
        }
        else
        {
            return Refuse(c, header.RequestId, ErrorCode.UnknownQueue, MessageType.Stats, $"no queue {request.QueueId} on this connection");
        }
        return TrySend(c, ControlCodec.WriteStats(_send, header.RequestId, request.QueueId, sum), default);
    }

    /// <summary>Stops both data-path threads serving the queue, drains it and frees it.</summary>
    private void Close(ClientConnection c, uint queueId)
    {
        var (session, deviceQueue) = c.Queues[queueId];
        c.Queues.Remove(queueId);
        Retire(c.ClientId, queueId, session, deviceQueue);
    }

    /// <summary>Takes a queue off both data threads, drains and frees it; returns its final counters.</summary>
    private ulong[] Retire(uint clientId, uint queueId, QueueSession session, int deviceQueue)
    {
        Metrics?.Unregister(session); // before teardown frees what the collector reads
        session.Closing = true;
        // The re-arm worker lets go first, so the teardown on the data path owns the queue alone.
        if (_rearm is not null)
        {
            Await(_rearm.Sessions.Post(new SessionCommand(session, Add: false)));
        }
        Await(_dataPath.Sessions.Post(new SessionCommand(session, Add: false)));
        var final = new ulong[(int)QueueCounter.Count];
        session.AddCountersTo(final);
        _totals.AddClosed(final);
        _queuePool.Return(deviceQueue);
        Log.QueueClosed(_logger, clientId, queueId, final[(int)QueueCounter.TxSent], final[(int)QueueCounter.TxRefused],
            final[(int)QueueCounter.RxDelivered], final[(int)QueueCounter.Cancelled]);
        return final;
    }

    private static void Await(SessionCommand command)
    {
        if (!command.Done.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("a data-path thread did not release a closing queue within 30 s");
        }
    }

    private void Disconnect(ClientConnection c)
    {
        foreach (uint queueId in c.Queues.Keys.ToArray())
        {
            Close(c, queueId);
        }
        _epoll.Remove(c.Socket.Handle.Fd);
        _connections.Remove(c.ClientId);
        Volatile.Write(ref _connectionCount, _connections.Count);
        c.Dispose();
        Log.ClientGone(_logger, c.ClientId);
    }

    private bool Refuse(ClientConnection c, uint requestId, ErrorCode code, MessageType failed, string reason)
    {
        Log.ControlRefused(_logger, c.ClientId, failed.ToString(), code.ToString(), reason);
        return TrySend(c, ControlCodec.WriteError(_send, requestId, code, failed, reason), default);
    }

    private bool TrySend(ClientConnection c, int length, ReadOnlySpan<int> fds)
    {
        try
        {
            c.Socket.Send(_send.AsSpan(0, length), fds);
            return true;
        }
        catch (NativeException)
        {
            return false; // the peer has gone; the caller disconnects it
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _epoll.Dispose();
        _stopSignal.Dispose();
        _reloadSignal.Dispose();
        DisposeVhost();
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }
}
