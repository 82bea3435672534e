using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Client;

/// <summary>
/// A connection to the Mediator broker: the Hello handshake, then queues opened and closed and
/// counters read over the control socket. Control calls are serialised (one request outstanding at a
/// time) and each waits at most the timeout given to <see cref="Connect(string, string, TimeSpan?)"/>.
/// </summary>
/// <example>
/// <code>
/// using var client = MediatorClient.Connect("/run/mediator/control.sock", "my-app");
/// using var queue = client.OpenQueue();
/// queue.TrySend(frame);
/// if (queue.WaitForRx(TimeSpan.FromSeconds(1)) &amp;&amp; queue.TryReceive(buffer, out int n)) { ... }
/// </code>
/// </example>
public sealed class MediatorClient : IDisposable
{
    private readonly ControlChannel _channel;
    private readonly List<ClientQueue> _queues = [];
    private bool _disposed;

    private MediatorClient(ControlChannel channel, in HelloReply hello)
    {
        _channel = channel;
        ClientId = hello.ClientId;
        Mode = (ClientMode)hello.Mode;
        MaxQueues = hello.MaxQueues;
        MaxUmemBytes = hello.MaxUmemBytes;
        MaxFrameLength = hello.MaxFrameLength;
        _channel.GoodbyeReceived += () => BrokerShuttingDown?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>The default wait for any control reply.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Raised once when the broker announces it is shutting down (Goodbye), on the thread that read the
    /// message (inside a control call or <see cref="PollEvents"/>). Queues keep working until in-flight
    /// work drains; new requests will be refused. Handlers must not make control calls.
    /// </summary>
    public event EventHandler? BrokerShuttingDown;

    /// <summary>The broker's id for this connection.</summary>
    public uint ClientId { get; }

    /// <summary>How this client's queues reach the device, as the broker's policy decided.</summary>
    public ClientMode Mode { get; }

    /// <summary>Queues this client may open.</summary>
    public uint MaxQueues { get; }

    /// <summary>UMEM bytes this client may hold over all its queues.</summary>
    public ulong MaxUmemBytes { get; }

    /// <summary>Longest frame the broker will send for this client.</summary>
    public uint MaxFrameLength { get; }

    /// <summary>True once the broker sent Goodbye.</summary>
    public bool IsBrokerShuttingDown => _channel.BrokerShuttingDown;

    /// <summary>False once the broker closed the control connection.</summary>
    public bool IsConnected => _channel.IsConnected;

    /// <summary>
    /// Connects to the broker's control socket at <paramref name="socketPath"/> and says Hello.
    /// </summary>
    /// <param name="socketPath">The broker's AF_UNIX SOCK_SEQPACKET socket.</param>
    /// <param name="appName">A name for logs and statistics (cut to 32 UTF-8 bytes).</param>
    /// <param name="timeout">How long to wait for each control reply; default <see cref="DefaultTimeout"/>.</param>
    /// <exception cref="MediatorException">The broker refused (e.g. <see cref="ErrorCode.PolicyDenied"/>).</exception>
    /// <exception cref="TimeoutException">The broker did not answer in time.</exception>
    /// <exception cref="NativeException">The socket could not be connected.</exception>
    public static MediatorClient Connect(string socketPath, string appName, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        return Connect(SeqPacketSocket.Connect(socketPath), appName, timeout ?? DefaultTimeout, socketPath);
    }

    /// <summary>Says Hello over an already connected socket (which the client then owns).</summary>
    internal static unsafe MediatorClient Connect(SeqPacketSocket socket, string appName, TimeSpan timeout, string endpoint)
    {
        var channel = new ControlChannel(socket, timeout, endpoint);
        try
        {
            var hello = new HelloRequest { AbiVersion = AbiVersion.Current };
            ControlCodec.Utf8Prefix(appName ?? "", new Span<byte>(hello.AppName, 32));
            var reply = channel.Request(MessageType.Hello, in hello, MessageType.HelloReply);
            DisposeUnexpected(reply);
            if (!ControlCodec.TryReadBody(reply.Message, out HelloReply body))
            {
                throw new MediatorException(ErrorCode.Malformed, MessageType.Hello, "HelloReply has the wrong size", fromBroker: false);
            }
            if (body.AbiVersion != AbiVersion.Current)
            {
                throw new MediatorException(ErrorCode.UnsupportedVersion, MessageType.Hello,
                    $"broker speaks ABI {body.AbiVersion}, this client {AbiVersion.Current}", fromBroker: false);
            }
            return new MediatorClient(channel, body);
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a queue: the broker creates a UMEM and rings (possibly smaller than asked), this maps them
    /// and posts half the frames (at most a fill ring's worth) for receiving.
    /// </summary>
    /// <param name="geometry">Sizes wanted; default <see cref="QueueGeometry.Default"/>.</param>
    /// <exception cref="ArgumentException">The geometry is invalid.</exception>
    /// <exception cref="MediatorException">The broker refused, or its reply or descriptors were wrong (none leaks).</exception>
    public ClientQueue OpenQueue(QueueGeometry? geometry = null) => OpenQueue(geometry, OpenQueueFlags.None, refill: true);

    /// <summary>
    /// Opens a queue with <paramref name="flags"/>; posts RX buffers only when <paramref name="refill"/>
    /// (a queue whose device RX ring the client drives itself must not lend frames to the broker).
    /// </summary>
    internal ClientQueue OpenQueue(QueueGeometry? geometry, OpenQueueFlags flags, bool refill)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var wanted = geometry ?? QueueGeometry.Default;
        if (wanted.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(geometry));
        }
        var request = new OpenQueueRequest { Geometry = wanted, Flags = (uint)flags };
        var reply = _channel.Request(MessageType.OpenQueue, in request, MessageType.OpenQueueReply);
        if (!ControlCodec.TryReadBody(reply.Message, out OpenQueueReply body))
        {
            foreach (var fd in reply.Fds)
            {
                fd.Dispose();
            }
            throw new MediatorException(ErrorCode.Malformed, MessageType.OpenQueue, "OpenQueueReply has the wrong size", fromBroker: false);
        }
        var mapping = QueueMapping.Attach(body, reply.Fds); // owns (and on failure closes) every fd
        ClientQueue queue;
        try
        {
            queue = new ClientQueue(this, body, mapping);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
        lock (_queues)
        {
            _queues.Add(queue);
        }
        try
        {
            if (refill)
            {
                queue.Refill();
                queue.WaitUntilFillTaken(TimeSpan.FromSeconds(2));
            }
        }
        catch
        {
            queue.Dispose();
            throw;
        }
        return queue;
    }

    /// <summary>Reads the broker's counters for <paramref name="queue"/>, or summed over the broker when null.</summary>
    public QueueStatistics GetStatistics(ClientQueue? queue = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var request = new StatsRequest { QueueId = queue?.QueueId ?? StatsRequest.AllQueues };
        var reply = _channel.Request(MessageType.Stats, in request, MessageType.StatsReply);
        DisposeUnexpected(reply);
        if (!ControlCodec.TryReadStats(reply.Message, out uint queueId, out ulong[] counters) || queueId != request.QueueId)
        {
            throw new MediatorException(ErrorCode.Malformed, MessageType.Stats, $"malformed StatsReply (queue {queueId}, asked {request.QueueId})", fromBroker: false);
        }
        return new QueueStatistics(queueId, counters);
    }

    /// <summary>Sends <paramref name="type"/> and waits for <paramref name="expected"/>; the reply's descriptors are the caller's.</summary>
    internal ControlReply Request<T>(MessageType type, in T body, MessageType expected) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _channel.Request(type, in body, expected);
    }

    /// <summary>Reads control messages already waiting, without blocking (notices a Goodbye between calls).</summary>
    public void PollEvents() => _channel.Poll();

    /// <summary>Called by <see cref="ClientQueue.Dispose"/>: tells the broker, if it is still there. Never throws.</summary>
    internal void CloseQueue(ClientQueue queue)
    {
        lock (_queues)
        {
            _queues.Remove(queue);
        }
        if (!_channel.IsConnected)
        {
            return;
        }
        try
        {
            var request = new CloseQueueRequest { QueueId = queue.QueueId };
            DisposeUnexpected(_channel.Request(MessageType.CloseQueue, in request, MessageType.CloseQueueReply));
        }
        catch (Exception e) when (e is IOException or TimeoutException or MediatorException or ObjectDisposedException)
        {
            // The broker is gone or refuses: our side is released either way, and the broker frees a
            // queue when its connection closes.
        }
    }

    private static void DisposeUnexpected(in ControlReply reply)
    {
        // Only OpenQueueReply carries descriptors; any others are closed, never leaked.
        foreach (var fd in reply.Fds)
        {
            fd.Dispose();
        }
    }

    /// <summary>Closes every open queue (telling the broker), then the connection. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        ClientQueue[] open;
        lock (_queues)
        {
            open = [.. _queues];
        }
        foreach (var queue in open)
        {
            queue.Dispose();
        }
        _channel.Dispose();
    }
}
