using Mediator.Control;
using Mediator.Native;

namespace Mediator.Client;

/// <summary>One control reply: its bytes and the descriptors that came with it (now the caller's).</summary>
internal readonly record struct ControlReply(byte[] Message, IReadOnlyList<FileDescriptor> Fds);

/// <summary>
/// The client's end of the control socket: one request at a time, each with a fresh request id, each
/// reply waited for with a deadline. Replies with another id (late answers to a request that timed
/// out) are discarded with their descriptors; an unsolicited Goodbye is noted and waiting goes on.
/// </summary>
/// <remarks>Control plane only: it allocates and locks freely; the data path never comes here.</remarks>
internal sealed class ControlChannel : IDisposable
{
    private readonly SeqPacketSocket _socket;
    private readonly byte[] _buffer = new byte[ControlCodec.MaxMessageSize];
    private readonly Lock _lock = new();
    private readonly int _timeoutMs;
    private uint _nextRequestId;
    private volatile bool _connected = true;
    private volatile bool _goodbye;

    public ControlChannel(SeqPacketSocket socket, TimeSpan timeout, string endpoint)
    {
        _socket = socket;
        _timeoutMs = ToMilliseconds(timeout);
        Endpoint = endpoint;
    }

    /// <summary>Raised (on the thread that read it) when the broker announces it is shutting down.</summary>
    public event Action? GoodbyeReceived;

    /// <summary>Where the socket is connected, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>False once the broker closed the connection or it failed.</summary>
    public bool IsConnected => _connected;

    /// <summary>True once the broker sent Goodbye.</summary>
    public bool BrokerShuttingDown => _goodbye;

    /// <summary>Replies discarded because their request id was not the one awaited.</summary>
    public int StaleReplies { get; private set; }

    /// <summary>
    /// Sends <paramref name="type"/> with <paramref name="body"/> and waits for <paramref name="expected"/>.
    /// An Error reply becomes a <see cref="MediatorException"/>; anything else unexpected too.
    /// </summary>
    public ControlReply Request<T>(MessageType type, in T body, MessageType expected) where T : unmanaged
    {
        lock (_lock)
        {
            if (!_connected)
            {
                throw new IOException($"the control connection to the broker at {Endpoint} is closed");
            }
            uint id = ++_nextRequestId;
            int length = ControlCodec.Write(_buffer, type, id, in body);
            try
            {
                _socket.Send(_buffer.AsSpan(0, length));
            }
            catch (NativeException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
            {
                _connected = false;
                throw new IOException($"the broker at {Endpoint} closed the connection", e);
            }
            return AwaitReply(type, id, expected);
        }
    }

    /// <summary>Reads messages already waiting without blocking (to notice a Goodbye between requests).</summary>
    public void Poll()
    {
        lock (_lock)
        {
            while (_connected)
            {
                var message = _socket.Receive(_buffer, 0);
                if (message is null)
                {
                    return;
                }
                message.DisposeFds(); // nothing unsolicited may carry descriptors
                if (message.Closed)
                {
                    _connected = false;
                    return;
                }
                if (ControlCodec.TryReadHeader(_buffer.AsSpan(0, message.Length), out var header) == ErrorCode.None
                    && header.Type == (ushort)MessageType.Goodbye)
                {
                    NoteGoodbye();
                }
                else
                {
                    StaleReplies++;
                }
            }
        }
    }

    private ControlReply AwaitReply(MessageType type, uint id, MessageType expected)
    {
        bool infinite = _timeoutMs < 0;
        long deadline = infinite ? long.MaxValue : Environment.TickCount64 + _timeoutMs;
        while (true)
        {
            int remaining = infinite ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            var message = remaining != 0 ? _socket.Receive(_buffer, remaining) : null;
            if (message is null)
            {
                if (Environment.TickCount64 < deadline)
                {
                    continue; // woken without a message (EAGAIN after poll): keep the deadline
                }
                throw new TimeoutException(
                    $"the broker at {Endpoint} did not answer {type} (request {id}) within {_timeoutMs} ms"
                    + (StaleReplies > 0 ? $"; {StaleReplies} replies with other request ids were discarded" : ""));
            }
            if (message.Closed)
            {
                _connected = false;
                throw new IOException($"the broker at {Endpoint} closed the connection while {type} (request {id}) was pending");
            }
            var bytes = _buffer.AsSpan(0, message.Length);
            try
            {
                if (message.Truncated)
                {
                    throw Bad(type, $"reply larger than {ControlCodec.MaxMessageSize} bytes or with too many descriptors");
                }
                ErrorCode check = ControlCodec.TryReadHeader(bytes, out var header);
                if (check != ErrorCode.None)
                {
                    throw Bad(type, $"malformed reply from the broker ({check})");
                }
                if (header.Type == (ushort)MessageType.Goodbye)
                {
                    message.DisposeFds();
                    NoteGoodbye();
                    continue; // the broker may still answer; if it closes, the loop says so
                }
                if (header.RequestId != id)
                {
                    message.DisposeFds();
                    StaleReplies++;
                    continue;
                }
                if (header.Type == (ushort)MessageType.Error)
                {
                    if (!ControlCodec.TryReadError(bytes, out var error, out string text))
                    {
                        throw Bad(type, "malformed Error reply");
                    }
                    throw new MediatorException((ErrorCode)error.Code, type, text, fromBroker: true);
                }
                if (header.Type != (ushort)expected)
                {
                    throw Bad(type, $"expected {expected}, got message type {header.Type}");
                }
                return new ControlReply(bytes.ToArray(), message.Fds);
            }
            catch
            {
                message.DisposeFds();
                throw;
            }
        }
    }

    private void NoteGoodbye()
    {
        if (!_goodbye)
        {
            _goodbye = true;
            GoodbyeReceived?.Invoke();
        }
    }

    private static MediatorException Bad(MessageType type, string text) => new(ErrorCode.Malformed, type, text, fromBroker: false);

    internal static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return -1;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        // Round up: a sub-millisecond timeout must still wait, not spin with poll(0).
        return (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
    }

    public void Dispose()
    {
        _connected = false;
        _socket.Dispose();
    }
}
