using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>
/// An AF_UNIX SOCK_SEQPACKET socket: reliable, ordered, and message boundaries kept, so each control
/// message is exactly one <c>recvmsg</c>. File descriptors travel with a message as SCM_RIGHTS.
/// </summary>
/// <remarks>The system calls themselves are in <see cref="UnixSocketCalls"/>, shared with <see cref="UnixStreamSocket"/>.</remarks>
public sealed unsafe class SeqPacketSocket : IDisposable
{
    /// <summary>The most descriptors one message may carry.</summary>
    public const int MaxFds = UnixSocketCalls.MaxFds;

    private SeqPacketSocket(FileDescriptor handle) => Handle = handle;

    /// <summary>The socket descriptor.</summary>
    public FileDescriptor Handle { get; }

    /// <summary>Creates a listening socket at <paramref name="path"/> (an existing stale socket file is replaced).</summary>
    public static SeqPacketSocket Listen(string path, int backlog = 64)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        return new(UnixSocketCalls.OpenListening(SOCK_SEQPACKET, "SOCK_SEQPACKET", path, backlog));
    }

    /// <summary>Connects to the broker's control socket at <paramref name="path"/>.</summary>
    public static SeqPacketSocket Connect(string path) => new(UnixSocketCalls.OpenConnected(SOCK_SEQPACKET, "SOCK_SEQPACKET", path));

    /// <summary>A connected pair (for tests and in-process use).</summary>
    public static (SeqPacketSocket, SeqPacketSocket) Pair()
    {
        var (a, b) = UnixSocketCalls.OpenPair(SOCK_SEQPACKET);
        return (new SeqPacketSocket(a), new SeqPacketSocket(b));
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for a connection and accepts it; null on timeout.
    /// </summary>
    public SeqPacketSocket? Accept(int timeoutMs)
    {
        if (!Poller.WaitReadable(Handle.Fd, timeoutMs))
        {
            return null;
        }
        var fd = UnixSocketCalls.Accept(Handle.Fd, 0);
        return fd is null ? null : new SeqPacketSocket(fd);
    }

    /// <summary>The peer's credentials (SO_PEERCRED).</summary>
    public PeerCredentials GetPeerCredentials() => UnixSocketCalls.GetPeerCredentials(Handle.Fd);

    /// <summary>Sends one message, with <paramref name="fds"/> attached as SCM_RIGHTS.</summary>
    /// <exception cref="NativeException">EPIPE/ECONNRESET when the peer has gone.</exception>
    public void Send(ReadOnlySpan<byte> message, ReadOnlySpan<int> fds = default)
    {
        fixed (byte* data = message)
        {
            // SOCK_SEQPACKET sends the whole message or fails: there is no partial write to resume.
            _ = UnixSocketCalls.SendWithRights(Handle.Fd, data, message.Length, fds);
        }
    }

    /// <summary>
    /// Receives one message into <paramref name="buffer"/>, waiting up to <paramref name="timeoutMs"/>
    /// (-1: forever). Every descriptor that arrived is returned owned, even when the message is
    /// rejected, so none leaks. Returns null on timeout; a result with <see cref="ReceivedMessage.Closed"/>
    /// when the peer closed.
    /// </summary>
    public ReceivedMessage? Receive(Span<byte> buffer, int timeoutMs)
    {
        if (timeoutMs >= 0 && !Poller.WaitReadable(Handle.Fd, timeoutMs))
        {
            return null;
        }
        var received = new List<FileDescriptor>();
        long n = UnixSocketCalls.ReceiveWithRights(Handle.Fd, buffer, dontWait: timeoutMs >= 0, received, out int flags);
        if (n == UnixSocketCalls.WouldBlock)
        {
            return null;
        }
        if (n == UnixSocketCalls.Reset)
        {
            return new ReceivedMessage(0, [], Truncated: false, Closed: true);
        }
        bool truncated = (flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
        return new ReceivedMessage((int)n, received, truncated, Closed: n == 0 && !truncated && received.Count == 0);
    }

    /// <summary>Shuts both directions down, waking a peer blocked in receive.</summary>
    public void Shutdown() => _ = shutdown(Handle.Fd, SHUT_RDWR);

    /// <summary>Closes the socket.</summary>
    public void Dispose() => Handle.Dispose();
}

/// <summary>One received control message.</summary>
/// <param name="Length">Bytes of payload received.</param>
/// <param name="Fds">Descriptors that came with it, now owned by the receiver.</param>
/// <param name="Truncated">The payload or the descriptors did not fit (MSG_TRUNC / MSG_CTRUNC).</param>
/// <param name="Closed">The peer closed the connection (zero-length read).</param>
public sealed record ReceivedMessage(int Length, IReadOnlyList<FileDescriptor> Fds, bool Truncated, bool Closed)
{
    /// <summary>Closes every received descriptor not taken.</summary>
    public void DisposeFds()
    {
        foreach (var fd in Fds)
        {
            fd.Dispose();
        }
    }
}
