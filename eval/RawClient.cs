using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Eval;

/// <summary>
/// A hostile client that speaks the control protocol itself (no client library): it can send any
/// bytes, attach any descriptors, and maps the queue memfds it receives on its own.
/// </summary>
public sealed class RawClient : IDisposable
{
    private readonly byte[] _buffer = new byte[ControlCodec.MaxMessageSize * 4];
    private uint _nextRequest = 1;

    private RawClient(SeqPacketSocket socket) => Socket = socket;

    /// <summary>The control socket.</summary>
    public SeqPacketSocket Socket { get; }

    /// <summary>The broker's id for this connection (after <see cref="Hello"/>).</summary>
    public uint ClientId { get; private set; }

    /// <summary>Longest frame the policy allows (after <see cref="Hello"/>).</summary>
    public uint MaxFrameLength { get; private set; } = 1514;

    /// <summary>Mode granted at Hello.</summary>
    public ClientMode Mode { get; private set; }

    /// <summary>Connects without saying anything.</summary>
    public static RawClient Connect(string socketPath) => new(SeqPacketSocket.Connect(socketPath));

    /// <summary>Connects and says Hello; throws when refused.</summary>
    public static RawClient ConnectHello(string socketPath, string app = "attacker")
    {
        var c = Connect(socketPath);
        try
        {
            var reply = c.Hello(app);
            if (reply.Type != MessageType.HelloReply)
            {
                throw new InvalidOperationException($"Hello refused: {reply.Error} {reply.Text}");
            }
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    /// <summary>Sends Hello and reads the reply.</summary>
    public unsafe RawReply Hello(string app = "attacker", uint abiVersion = AbiVersion.Current)
    {
        var hello = new HelloRequest { AbiVersion = abiVersion };
        ControlCodec.Utf8Prefix(app, new Span<byte>(hello.AppName, 32));
        var reply = Request(MessageType.Hello, hello);
        if (reply.Type == MessageType.HelloReply)
        {
            var body = MemoryMarshal.Read<HelloReply>(reply.Body);
            ClientId = body.ClientId;
            Mode = (ClientMode)body.Mode;
            MaxFrameLength = body.MaxFrameLength;
        }
        return reply;
    }

    /// <summary>Opens a queue and maps it; throws when refused.</summary>
    public RawQueue OpenQueue(QueueGeometry? geometry = null)
    {
        var reply = Request(MessageType.OpenQueue, new OpenQueueRequest { Geometry = geometry ?? QueueGeometry.Default });
        if (reply.Type != MessageType.OpenQueueReply)
        {
            reply.DisposeFds();
            throw new InvalidOperationException($"OpenQueue refused: {reply.Error} {reply.Text}");
        }
        return new RawQueue(this, MemoryMarshal.Read<OpenQueueReply>(reply.Body), reply.Fds);
    }

    /// <summary>Sends a well-formed request and waits (5 s) for its reply.</summary>
    public RawReply Request<T>(MessageType type, in T body) where T : unmanaged
    {
        int n = ControlCodec.Write(_buffer, type, _nextRequest++, body);
        return SendRaw(_buffer.AsSpan(0, n));
    }

    /// <summary>Sends any bytes (with any descriptors) and waits up to <paramref name="timeoutMs"/> for one reply.</summary>
    public RawReply SendRaw(ReadOnlySpan<byte> message, ReadOnlySpan<int> fds = default, int timeoutMs = 5000)
    {
        Socket.Send(message, fds);
        return Receive(timeoutMs);
    }

    /// <summary>Receives one message (a <see cref="RawReply"/> with <see cref="RawReply.TimedOut"/> or <see cref="RawReply.Closed"/> set when none came).</summary>
    public RawReply Receive(int timeoutMs = 5000)
    {
        var received = Socket.Receive(_buffer, timeoutMs);
        if (received is null)
        {
            return new RawReply { TimedOut = true };
        }
        if (received.Closed || received.Length < MessageHeader.Size)
        {
            received.DisposeFds();
            return new RawReply { Closed = true };
        }
        var message = _buffer.AsSpan(0, received.Length);
        var header = MemoryMarshal.Read<MessageHeader>(message);
        var reply = new RawReply
        {
            Type = (MessageType)header.Type, RequestId = header.RequestId, Body = message[MessageHeader.Size..].ToArray(), Fds = received.Fds,
        };
        if (reply.Type == MessageType.Error && ControlCodec.TryReadError(message, out var error, out string text))
        {
            reply.Error = (ErrorCode)error.Code;
            reply.Text = text;
        }
        return reply;
    }

    /// <summary>Asks for the counters of <paramref name="queueId"/> (or all queues); null when refused or silent.</summary>
    public ulong[]? Stats(uint queueId = StatsRequest.AllQueues)
    {
        var reply = Request(MessageType.Stats, new StatsRequest { QueueId = queueId });
        if (reply.Type != MessageType.StatsReply)
        {
            return null;
        }
        var body = reply.Body;
        if (body.Length < 8)
        {
            return null;
        }
        int n = (int)Math.Min(MemoryMarshal.Read<uint>(body.AsSpan(4)), (uint)(body.Length - 8) / 8);
        var counters = new ulong[(int)QueueCounter.Count];
        for (int i = 0; i < Math.Min(n, counters.Length); i++)
        {
            counters[i] = MemoryMarshal.Read<ulong>(body.AsSpan(8 + i * 8));
        }
        return counters;
    }

    /// <summary>Closes the socket (the broker closes every queue of this connection).</summary>
    public void Dispose() => Socket.Dispose();
}

/// <summary>One message received by a <see cref="RawClient"/>.</summary>
public sealed class RawReply
{
    /// <summary>Message type.</summary>
    public MessageType Type { get; init; }
    /// <summary>Echoed request id.</summary>
    public uint RequestId { get; init; }
    /// <summary>Body bytes.</summary>
    public byte[] Body { get; init; } = [];
    /// <summary>Descriptors that came with it (the receiver owns them).</summary>
    public IReadOnlyList<FileDescriptor> Fds { get; init; } = [];
    /// <summary>The error code of an Error reply.</summary>
    public ErrorCode Error { get; set; }
    /// <summary>The text of an Error reply.</summary>
    public string Text { get; set; } = "";
    /// <summary>Nothing came in time.</summary>
    public bool TimedOut { get; init; }
    /// <summary>The broker closed the connection.</summary>
    public bool Closed { get; init; }

    /// <summary>Closes every descriptor that came with the reply.</summary>
    public void DisposeFds()
    {
        foreach (var fd in Fds)
        {
            fd.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => TimedOut ? "timeout" : Closed ? "closed" : Type == MessageType.Error ? $"Error({Error}: {Text})" : Type.ToString();
}
