using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>One message the broker sent: its bytes, header and any descriptors (owned; dispose them).</summary>
internal sealed class RawReply : IDisposable
{
    public RawReply(byte[] bytes, IReadOnlyList<FileDescriptor> fds, bool truncated)
    {
        Bytes = bytes;
        Fds = fds;
        Truncated = truncated;
        Header = bytes.Length >= MessageHeader.Size ? MemoryMarshal.Read<MessageHeader>(bytes) : default;
    }

    public byte[] Bytes { get; }
    public IReadOnlyList<FileDescriptor> Fds { get; }
    public bool Truncated { get; }
    public MessageHeader Header { get; }
    public MessageType Type => (MessageType)Header.Type;

    public T Body<T>() where T : unmanaged
    {
        Assert.Equal(MessageHeader.Size + Unsafe.SizeOf<T>(), Bytes.Length);
        return MemoryMarshal.Read<T>(Bytes.AsSpan(MessageHeader.Size));
    }

    public void Dispose()
    {
        foreach (var fd in Fds)
        {
            fd.Dispose();
        }
    }
}

/// <summary>
/// A control-socket client that speaks the wire protocol byte by byte, so tests can send what the
/// client library never would (bad magic, short messages, descriptors, floods) and read every reply raw.
/// </summary>
internal sealed class RawControlClient : IDisposable
{
    public const int DefaultTimeoutMs = 5000;
    private readonly byte[] _receive = new byte[64 * 1024];
    private readonly byte[] _send = new byte[64 * 1024];

    private RawControlClient(SeqPacketSocket socket) => Socket = socket;

    public SeqPacketSocket Socket { get; }

    public static RawControlClient Connect(string path) => new(SeqPacketSocket.Connect(path));

    public static RawControlClient Adopt(SeqPacketSocket socket) => new(socket);

    /// <summary>Sends raw bytes as one datagram.</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds = default) => Socket.Send(bytes, fds);

    public void Send<T>(MessageType type, uint requestId, in T body, ReadOnlySpan<int> fds = default) where T : unmanaged =>
        Socket.Send(_send.AsSpan(0, ControlCodec.Write(_send, type, requestId, body)), fds);

    /// <summary>Encodes a well-formed message into a fresh array (for tests that then corrupt it).</summary>
    public static byte[] Encode<T>(MessageType type, uint requestId, in T body) where T : unmanaged
    {
        var buffer = new byte[ControlCodec.MaxMessageSize];
        return buffer.AsSpan(0, ControlCodec.Write(buffer, type, requestId, body)).ToArray();
    }

    public static unsafe HelloRequest HelloBody(string app = "raw", uint abi = AbiVersion.Current)
    {
        var hello = new HelloRequest { AbiVersion = abi };
        ControlCodec.Utf8Prefix(app, new Span<byte>(hello.AppName, 32));
        return hello;
    }

    /// <summary>Receives the next message; fails the test on timeout or when the broker closed.</summary>
    public RawReply Receive(int timeoutMs = DefaultTimeoutMs)
    {
        var m = TryReceive(timeoutMs);
        Assert.NotNull(m);
        Assert.False(m.Bytes.Length == 0 && m.Fds.Count == 0, "the broker closed the connection");
        return m;
    }

    /// <summary>The next message, null on timeout, or an empty one when the broker closed the connection.</summary>
    public RawReply? TryReceive(int timeoutMs)
    {
        var m = Socket.Receive(_receive, timeoutMs);
        if (m is null)
        {
            return null;
        }
        if (m.Closed)
        {
            return new RawReply([], [], false);
        }
        return new RawReply(_receive.AsSpan(0, m.Length).ToArray(), m.Fds, m.Truncated);
    }

    /// <summary>True when the broker closes this connection within the timeout (messages before that are skipped).</summary>
    public bool WaitClosed(int timeoutMs)
    {
        var end = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < end)
        {
            using var m = TryReceive((int)Math.Max(1, end - Environment.TickCount64));
            if (m is { Bytes.Length: 0, Fds.Count: 0 })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Hello → HelloReply, checked.</summary>
    public HelloReply Hello(uint requestId = 1, string app = "raw")
    {
        Send(MessageType.Hello, requestId, HelloBody(app));
        using var reply = Receive();
        Assert.Equal(MessageType.HelloReply, reply.Type);
        Assert.Equal(requestId, reply.Header.RequestId);
        return reply.Body<HelloReply>();
    }

    /// <summary>Sends OpenQueue and returns whatever came back (reply with 7 fds, or an error).</summary>
    public RawReply OpenQueue(uint requestId, QueueGeometry geometry)
    {
        Send(MessageType.OpenQueue, requestId, new OpenQueueRequest { Geometry = geometry });
        return Receive();
    }

    /// <summary>Sends a request and asserts the answer is an Error with <paramref name="code"/>; returns its text.</summary>
    public string ExpectError(ErrorCode code, uint requestId, MessageType failed)
    {
        using var reply = Receive();
        return AssertError(reply, code, requestId, failed);
    }

    public static string AssertError(RawReply reply, ErrorCode code, uint requestId, MessageType failed)
    {
        Assert.Equal(MessageType.Error, reply.Type);
        Assert.Empty(reply.Fds);
        Assert.True(ControlCodec.TryReadHeader(reply.Bytes, out var header) == ErrorCode.None, "the error reply's own header is valid");
        Assert.Equal((uint)reply.Bytes.Length, header.Length);
        Assert.True(ControlCodec.TryReadError(reply.Bytes, out var error, out _), "error reply parses");
        var textBytes = reply.Bytes.AsSpan(MessageHeader.Size + Unsafe.SizeOf<ErrorReply>());
        Assert.InRange(textBytes.Length, 1, ErrorReply.MaxTextBytes);
        Assert.DoesNotContain((byte)0, textBytes.ToArray());
        string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(textBytes); // throws on invalid UTF-8
        Assert.True((ErrorCode)error.Code == code, $"expected {code}, got {(ErrorCode)error.Code}: {text}");
        Assert.Equal((uint)failed, error.FailedType);
        Assert.Equal(requestId, reply.Header.RequestId);
        return text;
    }

    public void Dispose() => Socket.Dispose();
}
