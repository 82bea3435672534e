using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>
/// An AF_UNIX SOCK_STREAM socket, the transport of vhost-user: a byte stream, so a message may arrive in
/// pieces and the reader reassembles it; file descriptors travel as SCM_RIGHTS with the first byte of
/// the message that carries them. Accepted sockets are non-blocking, so a peer that sends half a
/// message never stalls the thread serving it.
/// </summary>
public sealed unsafe class UnixStreamSocket : IDisposable
{
    /// <summary>The most descriptors one read accepts (a vhost-user memory table carries up to 8).</summary>
    public const int MaxFds = 8;

    private const int CmsgHeaderSize = 16; // sizeof(struct cmsghdr) on 64-bit Linux
    private const int CmsgBufferSize = CmsgHeaderSize + MaxFds * sizeof(int);
    private const int ECONNREFUSED = 111;
    private const int ENOENT = 2;

    private UnixStreamSocket(FileDescriptor handle) => Handle = handle;

    private (ulong Device, ulong Inode) _boundFile;

    /// <summary>The socket descriptor.</summary>
    public FileDescriptor Handle { get; }

    /// <summary>
    /// Listens at <paramref name="path"/>. A socket file left by a dead process is replaced; one that a
    /// live process still accepts on is not: that is an error naming the path.
    /// </summary>
    public static UnixStreamSocket Listen(string path, int backlog = 16)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            if (IsLive(path))
            {
                throw new IOException($"{path} is a socket another process is listening on");
            }
            File.Delete(path);
        }
        var socket = Create(SOCK_NONBLOCK);
        try
        {
            sockaddr_un addr = MakeAddress(path);
            if (bind(socket.Handle.Fd, (sockaddr*)&addr, (uint)sizeof(sockaddr_un)) != 0)
            {
                NativeException.ThrowLastError($"bind({path})");
            }
            if (listen(socket.Handle.Fd, backlog) != 0)
            {
                NativeException.ThrowLastError("listen");
            }
            socket._boundFile = Identify(path);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes the socket file this socket was bound to, unless another process has replaced it since
    /// (a broker restarted on the same path must not lose its socket to the old one's cleanup).
    /// </summary>
    public void DeleteBoundFile(string path)
    {
        if (_boundFile != default && Identify(path) == _boundFile)
        {
            File.Delete(path);
        }
    }

    private static (ulong, ulong) Identify(string path)
    {
        stat st;
        byte[] utf8 = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = utf8)
        {
            if (LibC.stat(p, &st) != 0)
            {
                return default;
            }
        }
        return ((ulong)st.st_dev, (ulong)st.st_ino);
    }

    /// <summary>Whether a process accepts connections at <paramref name="path"/>.</summary>
    public static bool IsLive(string path)
    {
        using var probe = Create(0);
        sockaddr_un addr = MakeAddress(path);
        if (connect(probe.Handle.Fd, (sockaddr*)&addr, (uint)sizeof(sockaddr_un)) == 0)
        {
            return true;
        }
        int errno = Errno.Last;
        return errno is not (ECONNREFUSED or ENOENT);
    }

    /// <summary>Connects (blocking) to <paramref name="path"/>.</summary>
    public static UnixStreamSocket Connect(string path)
    {
        var socket = Create(0);
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

    /// <summary>A connected pair, both non-blocking (tests and in-process use).</summary>
    public static (UnixStreamSocket, UnixStreamSocket) Pair()
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0)
        {
            NativeException.ThrowLastError("socketpair");
        }
        return (new UnixStreamSocket(new FileDescriptor(fds[0])), new UnixStreamSocket(new FileDescriptor(fds[1])));
    }

    /// <summary>Accepts a pending connection (non-blocking socket); null when none is waiting.</summary>
    public UnixStreamSocket? Accept()
    {
        int fd = accept4(Handle.Fd, null, null, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
        {
            int errno = Errno.Last;
            if (errno is Errno.EAGAIN or Errno.EINTR or 103 /* ECONNABORTED */)
            {
                return null;
            }
            throw new NativeException("accept4", errno);
        }
        return new UnixStreamSocket(new FileDescriptor(fd));
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

    /// <summary>
    /// Sends all of <paramref name="data"/>, with <paramref name="fds"/> attached to its first byte. On a
    /// non-blocking socket whose peer does not read (EAGAIN) this throws rather than waits.
    /// </summary>
    /// <exception cref="NativeException">The peer has gone or does not read.</exception>
    public void Send(ReadOnlySpan<byte> data, ReadOnlySpan<int> fds = default)
    {
        if (fds.Length > MaxFds)
        {
            throw new ArgumentOutOfRangeException(nameof(fds), $"at most {MaxFds} descriptors per message");
        }
        byte* control = stackalloc byte[CmsgBufferSize];
        int sent = 0;
        fixed (byte* p = data)
        {
            while (sent < data.Length || (data.Length == 0 && sent == 0 && fds.Length > 0))
            {
                iovec iov = new() { iov_base = p + sent, iov_len = (size_t)(uint)(data.Length - sent) };
                msghdr msg = new() { msg_iov = &iov, msg_iovlen = 1 };
                if (sent == 0 && fds.Length > 0)
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
                long n = sendmsg(Handle.Fd, &msg, MSG_NOSIGNAL);
                if (n < 0)
                {
                    int errno = Errno.Last;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    throw new NativeException("sendmsg", errno);
                }
                sent += (int)n;
                if (data.Length == 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Reads what is available into <paramref name="buffer"/> without blocking; descriptors that came
    /// with it are appended to <paramref name="fds"/> (owned by the caller, even when it rejects the
    /// message, so none leaks). <paramref name="fdsTruncated"/> says more descriptors came than
    /// <see cref="MaxFds"/> (the kernel closed the rest). Returns the bytes read, 0 when the peer closed,
    /// -1 when nothing waits.
    /// </summary>
    public int Receive(Span<byte> buffer, List<FileDescriptor> fds, out bool fdsTruncated)
    {
        fdsTruncated = false;
        byte* control = stackalloc byte[CmsgBufferSize];
        long n;
        msghdr msg;
        fixed (byte* data = buffer)
        {
            iovec iov = new() { iov_base = data, iov_len = (size_t)(uint)buffer.Length };
            while (true)
            {
                msg = new() { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)(uint)CmsgBufferSize };
                n = recvmsg(Handle.Fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
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
                    return -1;
                }
                if (errno == Errno.ECONNRESET)
                {
                    return 0;
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
        fdsTruncated = (msg.msg_flags & MSG_CTRUNC) != 0;
        return (int)n;
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => Handle.Dispose();

    private static UnixStreamSocket Create(int extraFlags)
    {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, 0);
        if (fd < 0)
        {
            NativeException.ThrowLastError("socket(AF_UNIX, SOCK_STREAM)");
        }
        return new UnixStreamSocket(new FileDescriptor(fd));
    }

    private static sockaddr_un MakeAddress(string path)
    {
        sockaddr_un addr = default;
        addr.sun_family = (ushort)AF_UNIX;
        const int max = 107;
        int n = Encoding.UTF8.GetByteCount(path);
        if (n > max)
        {
            throw new ArgumentException($"socket path is {n} bytes; Unix sockets allow {max}", nameof(path));
        }
        Encoding.UTF8.GetBytes(path, new Span<byte>(addr.sun_path, max));
        return addr;
    }
}
