using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>
/// An AF_UNIX SOCK_SEQPACKET socket: reliable, ordered, and message boundaries kept, so each control
/// message is exactly one <c>recvmsg</c>. File descriptors travel with a message as SCM_RIGHTS.
/// </summary>
/// <remarks>
/// The control message header is built here rather than with Tmds.LibC's <c>CMSG_LEN</c>, which
/// aligns header plus payload; the kernel wants <c>cmsg_len = CMSG_ALIGN(sizeof(cmsghdr)) + n * 4</c>,
/// and a padded length would make it read a garbage descriptor after the real ones.
/// </remarks>
public sealed unsafe class SeqPacketSocket : IDisposable
{
    /// <summary>The most descriptors one message may carry.</summary>
    public const int MaxFds = 8;

    private const int CmsgHeaderSize = 16; // sizeof(struct cmsghdr) on 64-bit Linux, already 8-aligned
    private const int CmsgBufferSize = CmsgHeaderSize + MaxFds * sizeof(int);

    private SeqPacketSocket(FileDescriptor handle) => Handle = handle;

    /// <summary>The socket descriptor.</summary>
    public FileDescriptor Handle { get; }

    /// <summary>Creates a listening socket at <paramref name="path"/> (an existing stale socket file is replaced).</summary>
    public static SeqPacketSocket Listen(string path, int backlog = 64)
    {
        var socket = Create();
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
            sockaddr_un addr = MakeAddress(path);
            if (bind(socket.Handle.Fd, (sockaddr*)&addr, (uint)sizeof(sockaddr_un)) != 0)
            {
                NativeException.ThrowLastError($"bind({path})");
            }
            if (listen(socket.Handle.Fd, backlog) != 0)
            {
                NativeException.ThrowLastError("listen");
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the broker's control socket at <paramref name="path"/>.</summary>
    public static SeqPacketSocket Connect(string path)
    {
        var socket = Create();
        try
        {
            sockaddr_un addr = MakeAddress(path);
            while (connect(socket.Handle.Fd, (sockaddr*)&addr, (uint)sizeof(sockaddr_un)) != 0)
            {
                int errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    throw new NativeException($"connect({path})", errno);
                }
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A connected pair (for tests and in-process use).</summary>
    public static (SeqPacketSocket, SeqPacketSocket) Pair()
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
        {
            NativeException.ThrowLastError("socketpair");
        }
        return (new SeqPacketSocket(new FileDescriptor(fds[0])), new SeqPacketSocket(new FileDescriptor(fds[1])));
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
        int fd = accept4(Handle.Fd, null, null, SOCK_CLOEXEC);
        if (fd < 0)
        {
            int errno = Errno.Last;
            if (errno is Errno.EAGAIN or Errno.EINTR or 103 /* ECONNABORTED */)
            {
                return null;
            }
            throw new NativeException("accept4", errno);
        }
        return new SeqPacketSocket(new FileDescriptor(fd));
    }

    /// <summary>The peer's credentials (SO_PEERCRED).</summary>
    public PeerCredentials GetPeerCredentials()
    {
        ucred cred;
        socklen_t len = (socklen_t)(uint)sizeof(ucred);
        if (getsockopt(Handle.Fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        {
            NativeException.ThrowLastError("getsockopt(SO_PEERCRED)");
        }
        return new PeerCredentials(cred.pid, cred.uid, cred.gid);
    }

    /// <summary>Sends one message, with <paramref name="fds"/> attached as SCM_RIGHTS.</summary>
    /// <exception cref="NativeException">EPIPE/ECONNRESET when the peer has gone.</exception>
    public void Send(ReadOnlySpan<byte> message, ReadOnlySpan<int> fds = default)
    {
        if (fds.Length > MaxFds)
        {
            throw new ArgumentOutOfRangeException(nameof(fds), $"at most {MaxFds} descriptors per message");
        }
        byte* control = stackalloc byte[CmsgBufferSize];
        fixed (byte* data = message)
        {
            iovec iov = new() { iov_base = data, iov_len = (size_t)(uint)message.Length };
            msghdr msg = new() { msg_iov = &iov, msg_iovlen = 1 };
            if (fds.Length > 0)
            {
                new Span<byte>(control, CmsgBufferSize).Clear();
                var header = (cmsghdr*)control;
                header->cmsg_len = (socklen_t)(uint)(CmsgHeaderSize + fds.Length * sizeof(int));
                header->cmsg_level = SOL_SOCKET;
                header->cmsg_type = SCM_RIGHTS;
                fds.CopyTo(new Span<int>(control + CmsgHeaderSize, fds.Length));
                msg.msg_control = control;
                msg.msg_controllen = (socklen_t)(uint)(CmsgHeaderSize + ((fds.Length * sizeof(int) + 7) & ~7));
            }
            while (sendmsg(Handle.Fd, &msg, MSG_NOSIGNAL) < 0)
            {
                int errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    throw new NativeException("sendmsg", errno);
                }
            }
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
        byte* control = stackalloc byte[CmsgBufferSize];
        long n;
        msghdr msg;
        fixed (byte* data = buffer)
        {
            iovec iov = new() { iov_base = data, iov_len = (size_t)(uint)buffer.Length };
            while (true)
            {
                msg = new() { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)(uint)CmsgBufferSize };
                n = recvmsg(Handle.Fd, &msg, MSG_CMSG_CLOEXEC | (timeoutMs >= 0 ? MSG_DONTWAIT : 0));
                if (n >= 0)
                {
                    break;
                }
                int errno = Errno.Last;
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno == Errno.EAGAIN)
                {
                    return null;
                }
                if (errno == Errno.ECONNRESET)
                {
                    return new ReceivedMessage(0, [], Truncated: false, Closed: true);
                }
                throw new NativeException("recvmsg", errno);
            }
        }
        var received = new List<FileDescriptor>();
        if ((ulong)msg.msg_controllen >= CmsgHeaderSize)
        {
            var header = (cmsghdr*)control;
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS && (ulong)header->cmsg_len >= CmsgHeaderSize)
            {
                int count = (int)Math.Min(((long)(ulong)header->cmsg_len - CmsgHeaderSize) / sizeof(int), MaxFds);
                for (int i = 0; i < count; i++)
                {
                    received.Add(new FileDescriptor(((int*)(control + CmsgHeaderSize))[i]));
                }
            }
        }
        bool truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
        return new ReceivedMessage((int)n, received, truncated, Closed: n == 0 && !truncated && received.Count == 0);
    }

    /// <summary>Shuts both directions down, waking a peer blocked in receive.</summary>
    public void Shutdown() => _ = shutdown(Handle.Fd, SHUT_RDWR);

    /// <summary>Closes the socket.</summary>
    public void Dispose() => Handle.Dispose();

    private static SeqPacketSocket Create()
    {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            NativeException.ThrowLastError("socket(AF_UNIX, SOCK_SEQPACKET)");
        }
        return new SeqPacketSocket(new FileDescriptor(fd));
    }

    private static sockaddr_un MakeAddress(string path)
    {
        sockaddr_un addr = default;
        addr.sun_family = (ushort)AF_UNIX;
        int max = 107;
        int n = Encoding.UTF8.GetByteCount(path);
        if (n > max)
        {
            throw new ArgumentException($"socket path is {n} bytes; Unix sockets allow {max}", nameof(path));
        }
        Encoding.UTF8.GetBytes(path, new Span<byte>(addr.sun_path, max));
        return addr;
    }
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
