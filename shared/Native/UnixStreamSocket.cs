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
/// <remarks>The system calls themselves are in <see cref="UnixSocketCalls"/>, shared with <see cref="SeqPacketSocket"/>.</remarks>
public sealed unsafe class UnixStreamSocket : IDisposable
{
    /// <summary>The most descriptors one read accepts (a vhost-user memory table carries up to 8).</summary>
    public const int MaxFds = UnixSocketCalls.MaxFds;

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
        var socket = new UnixStreamSocket(UnixSocketCalls.OpenListening(SOCK_STREAM | SOCK_NONBLOCK, "SOCK_STREAM", path, backlog));
        socket._boundFile = Identify(path);
        return socket;
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
        using var probe = UnixSocketCalls.Open(SOCK_STREAM, "SOCK_STREAM");
        int errno = UnixSocketCalls.TryConnect(probe.Fd, path);
        return errno is not (ECONNREFUSED or ENOENT); // 0 (connected) is live too
    }

    /// <summary>Connects (blocking) to <paramref name="path"/>.</summary>
    public static UnixStreamSocket Connect(string path) => new(UnixSocketCalls.OpenConnected(SOCK_STREAM, "SOCK_STREAM", path));

    /// <summary>A connected pair, both non-blocking (tests and in-process use).</summary>
    public static (UnixStreamSocket, UnixStreamSocket) Pair()
    {
        var (a, b) = UnixSocketCalls.OpenPair(SOCK_STREAM | SOCK_NONBLOCK);
        return (new UnixStreamSocket(a), new UnixStreamSocket(b));
    }

    /// <summary>Accepts a pending connection (non-blocking socket); null when none is waiting.</summary>
    public UnixStreamSocket? Accept()
    {
        var fd = UnixSocketCalls.Accept(Handle.Fd, SOCK_NONBLOCK);
        return fd is null ? null : new UnixStreamSocket(fd);
    }

    /// <summary>The peer's credentials (SO_PEERCRED).</summary>
    public PeerCredentials GetPeerCredentials() => UnixSocketCalls.GetPeerCredentials(Handle.Fd);

    /// <summary>
    /// Sends all of <paramref name="data"/>, with <paramref name="fds"/> attached to its first byte. On a
    /// non-blocking socket whose peer does not read (EAGAIN) this throws rather than waits.
    /// </summary>
    /// <exception cref="ArgumentException">Descriptors with empty data (a stream would drop them).</exception>
    /// <exception cref="NativeException">The peer has gone or does not read.</exception>
    public void Send(ReadOnlySpan<byte> data, ReadOnlySpan<int> fds = default)
    {
        UnixSocketCalls.CheckFdCount(fds);
        if (data.Length == 0 && fds.Length > 0)
        {
            // A zero-length sendmsg on a stream queues nothing, so the kernel would drop the descriptors.
            throw new ArgumentException("descriptors need at least one byte of data to travel with", nameof(fds));
        }
        int sent = 0;
        fixed (byte* p = data)
        {
            // A stream may take part of the data; the descriptors go with the first sendmsg only.
            while (sent < data.Length)
            {
                sent += (int)UnixSocketCalls.SendWithRights(Handle.Fd, p + sent, data.Length - sent, sent == 0 ? fds : default);
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
        long n = UnixSocketCalls.ReceiveWithRights(Handle.Fd, buffer, dontWait: true, fds, out int flags);
        fdsTruncated = (flags & MSG_CTRUNC) != 0;
        return n switch
        {
            UnixSocketCalls.WouldBlock => -1,
            UnixSocketCalls.Reset => 0,
            _ => (int)n,
        };
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => Handle.Dispose();
}
