using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>
/// A small <c>epoll(7)</c> set: register descriptors with a 64-bit tag, wait for readiness with EINTR
/// retried. The broker's threads sleep in one of these when every ring they serve is idle.
/// </summary>
public sealed unsafe partial class Epoll : IDisposable
{
    private readonly FileDescriptor _handle;

    /// <summary>Creates an empty set.</summary>
    public Epoll()
    {
        int fd = epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0)
        {
            NativeException.ThrowLastError("epoll_create1");
        }
        _handle = new FileDescriptor(fd);
    }

    /// <summary>Watches <paramref name="fd"/> for readability (and hang-up), reporting <paramref name="tag"/>.</summary>
    public void Add(int fd, ulong tag)
    {
        epoll_event ev = default;
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = tag;
        if (epoll_ctl(_handle.Fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            NativeException.ThrowLastError("epoll_ctl(ADD)");
        }
    }

    /// <summary>Stops watching <paramref name="fd"/>. Ignores a descriptor that is not in the set.</summary>
    public void Remove(int fd) => _ = epoll_ctl(_handle.Fd, EPOLL_CTL_DEL, fd, null);

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> (-1: forever) and writes the tags of ready descriptors
    /// into <paramref name="tags"/>; returns how many (0 on timeout).
    /// </summary>
    public int Wait(Span<ulong> tags, int timeoutMs)
    {
        int max = Math.Min(tags.Length, 64);
        epoll_event* events = stackalloc epoll_event[max];
        while (true)
        {
            int n = SysEpollWait(_handle.Fd, events, max, timeoutMs);
            if (n >= 0)
            {
                for (int i = 0; i < n; i++)
                {
                    tags[i] = events[i].data.u64;
                }
                return n;
            }
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new NativeException("epoll_wait", errno);
            }
        }
    }

    /// <summary>Closes the set.</summary>
    public void Dispose() => _handle.Dispose();

    // With SetLastError, so that an EINTR is recognised (see Poller).
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int SysEpollWait(int epfd, epoll_event* events, int maxEvents, int timeoutMs);
}
