using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>
/// The AF_UNIX system calls both socket types make the same way: the address, bind and listen,
/// connect, accept, SO_PEERCRED, and one <c>sendmsg</c>/<c>recvmsg</c> with SCM_RIGHTS. What differs
/// (message boundaries of SOCK_SEQPACKET, the partial reads and writes of SOCK_STREAM) stays in
/// <see cref="SeqPacketSocket"/> and <see cref="UnixStreamSocket"/>.
/// </summary>
/// <remarks>
/// The control message header is built here rather than with Tmds.LibC's <c>CMSG_LEN</c>, which
/// aligns header plus payload; the kernel wants <c>cmsg_len = CMSG_ALIGN(sizeof(cmsghdr)) + n * 4</c>,
/// and a padded length would make it read a garbage descriptor after the real ones.
/// </remarks>
internal static unsafe class UnixSocketCalls
{
    /// <summary>The most descriptors one message may carry.</summary>
    public const int MaxFds = 8;

    /// <summary><see cref="ReceiveWithRights"/>: nothing waits on a non-blocking receive.</summary>
    public const long WouldBlock = -1;

    /// <summary><see cref="ReceiveWithRights"/>: the peer reset the connection.</summary>
    public const long Reset = -2;

    private const int CmsgHeaderSize = 16; // sizeof(struct cmsghdr) on 64-bit Linux, already 8-aligned
    private const int CmsgBufferSize = CmsgHeaderSize + MaxFds * sizeof(int);
    private const int ECONNABORTED = 103;
    private const int MaxPathBytes = 107; // sun_path is 108 bytes, one kept for the terminating NUL

    /// <summary>A new AF_UNIX socket of <paramref name="type"/> (with its flags, CLOEXEC always added).</summary>
    public static FileDescriptor Open(int type, string what)
    {
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            NativeException.ThrowLastError($"socket(AF_UNIX, {what})");
        }
        return new FileDescriptor(fd);
    }

    /// <summary>A new socket of <paramref name="type"/> connected to <paramref name="path"/>; closed again if connecting fails.</summary>
    public static FileDescriptor OpenConnected(int type, string what, string path)
    {
        var fd = Open(type, what);
        try
        {
            Connect(fd.Fd, path);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>A new socket of <paramref name="type"/> listening at <paramref name="path"/>; closed again if binding fails.</summary>
    public static FileDescriptor OpenListening(int type, string what, string path, int backlog)
    {
        var fd = Open(type, what);
        try
        {
            BindAndListen(fd.Fd, path, backlog);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>A connected pair of <paramref name="type"/> (with its flags, CLOEXEC always added).</summary>
    public static (FileDescriptor, FileDescriptor) OpenPair(int type)
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0)
        {
            NativeException.ThrowLastError("socketpair");
        }
        return (new FileDescriptor(fds[0]), new FileDescriptor(fds[1]));
    }

    /// <summary>The address of <paramref name="path"/>; a path too long for <c>sun_path</c> is an error.</summary>
    public static sockaddr_un MakeAddress(string path)
    {
        sockaddr_un addr = default;
        addr.sun_family = (ushort)AF_UNIX;
        int n = Encoding.UTF8.GetByteCount(path);
        if (n > MaxPathBytes)
        {
            throw new ArgumentException($"socket path is {n} bytes; Unix sockets allow {MaxPathBytes}", nameof(path));
        }
        Encoding.UTF8.GetBytes(path, new Span<byte>(addr.sun_path, MaxPathBytes));
        return addr;
    }

    /// <summary>Binds <paramref name="fd"/> to <paramref name="path"/> and listens.</summary>
    public static void BindAndListen(int fd, string path, int backlog)
    {
        sockaddr_un addr = MakeAddress(path);
        if (bind(fd, (sockaddr*)&addr, (uint)sizeof(sockaddr_un)) != 0)
        {
            NativeException.ThrowLastError($"bind({path})");
        }
        if (listen(fd, backlog) != 0)
        {
            NativeException.ThrowLastError("listen");
        }
    }

    /// <summary>One <c>connect</c> to <paramref name="path"/>, without retrying; 0 or the errno.</summary>
    public static int TryConnect(int fd, string path)
    {
        sockaddr_un addr = MakeAddress(path);
        return connect(fd, (sockaddr*)&addr, (uint)sizeof(sockaddr_un)) == 0 ? 0 : Errno.Last;
    }

    /// <summary>Connects <paramref name="fd"/> to <paramref name="path"/>, retrying on EINTR.</summary>
    public static void Connect(int fd, string path)
    {
        int errno;
        while ((errno = TryConnect(fd, path)) != 0)
        {
            if (errno != Errno.EINTR)
            {
                throw new NativeException($"connect({path})", errno);
            }
        }
    }

    /// <summary>Accepts a pending connection; null when none is waiting (EAGAIN, EINTR, ECONNABORTED).</summary>
    public static FileDescriptor? Accept(int fd, int flags)
    {
        int accepted = accept4(fd, null, null, SOCK_CLOEXEC | flags);
        if (accepted < 0)
        {
            int errno = Errno.Last;
            if (errno is Errno.EAGAIN or Errno.EINTR or ECONNABORTED)
            {
                return null;
            }
            throw new NativeException("accept4", errno);
        }
        return new FileDescriptor(accepted);
    }

    /// <summary>The peer's credentials (SO_PEERCRED).</summary>
    public static PeerCredentials GetPeerCredentials(int fd)
    {
        ucred cred;
        socklen_t len = (socklen_t)(uint)sizeof(ucred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        {
            NativeException.ThrowLastError("getsockopt(SO_PEERCRED)");
        }
        return new PeerCredentials(cred.pid, cred.uid, cred.gid);
    }

    /// <summary>Throws when <paramref name="fds"/> holds more than <see cref="MaxFds"/> descriptors.</summary>
    public static void CheckFdCount(ReadOnlySpan<int> fds)
    {
        if (fds.Length > MaxFds)
        {
            throw new ArgumentOutOfRangeException(nameof(fds), $"at most {MaxFds} descriptors per message");
        }
    }

    /// <summary>
    /// One <c>sendmsg</c> of <paramref name="length"/> bytes at <paramref name="data"/> with
    /// <paramref name="fds"/> attached as SCM_RIGHTS (none when empty), retried on EINTR; returns the
    /// bytes the kernel took (all of them on SOCK_SEQPACKET, maybe fewer on SOCK_STREAM).
    /// </summary>
    /// <exception cref="NativeException">Any other error: EPIPE/ECONNRESET when the peer has gone, EAGAIN on a full non-blocking socket.</exception>
    public static long SendWithRights(int fd, byte* data, int length, ReadOnlySpan<int> fds)
    {
        CheckFdCount(fds);
        byte* control = stackalloc byte[CmsgBufferSize];
        iovec iov = new() { iov_base = data, iov_len = (size_t)(uint)length };
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
        while (true)
        {
            long n = sendmsg(fd, &msg, MSG_NOSIGNAL);
            if (n >= 0)
            {
                return n;
            }
            int errno = Errno.Last;
            if (errno != Errno.EINTR)
            {
                throw new NativeException("sendmsg", errno);
            }
        }
    }

    /// <summary>
    /// One <c>recvmsg</c> into <paramref name="buffer"/> (non-blocking when <paramref name="dontWait"/>),
    /// retried on EINTR. Descriptors that came with it are appended to <paramref name="fds"/>, owned by
    /// the caller. Returns the bytes read (0: the peer closed), <see cref="WouldBlock"/> or
    /// <see cref="Reset"/>; <paramref name="msgFlags"/> holds the kernel's MSG_TRUNC / MSG_CTRUNC.
    /// </summary>
    public static long ReceiveWithRights(int fd, Span<byte> buffer, bool dontWait, List<FileDescriptor> fds, out int msgFlags)
    {
        msgFlags = 0;
        byte* control = stackalloc byte[CmsgBufferSize];
        long n;
        msghdr msg;
        fixed (byte* data = buffer)
        {
            iovec iov = new() { iov_base = data, iov_len = (size_t)(uint)buffer.Length };
            while (true)
            {
                msg = new() { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)(uint)CmsgBufferSize };
                n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | (dontWait ? MSG_DONTWAIT : 0));
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
                    return WouldBlock;
                }
                if (errno == Errno.ECONNRESET)
                {
                    return Reset;
                }
                throw new NativeException("recvmsg", errno);
            }
        }
        if ((ulong)msg.msg_controllen >= CmsgHeaderSize)
        {
            var header = (cmsghdr*)control;
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS && (ulong)header->cmsg_len >= CmsgHeaderSize)
            {
                int count = (int)Math.Min(((long)(ulong)header->cmsg_len - CmsgHeaderSize) / sizeof(int), MaxFds);
                for (int i = 0; i < count; i++)
                {
                    fds.Add(new FileDescriptor(((int*)(control + CmsgHeaderSize))[i]));
                }
            }
        }
        msgFlags = msg.msg_flags;
        return n;
    }
}
