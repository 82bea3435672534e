using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>
/// A non-blocking Linux eventfd: the doorbell between broker and client. Signalling costs one
/// <c>write(2)</c>; the sides only ring it when the other has said it sleeps (need-wakeup), so a
/// busy-polling pair makes no system calls.
/// </summary>
public sealed unsafe class EventFd : IDisposable
{
    /// <summary>Creates a new non-blocking, close-on-exec eventfd with counter 0.</summary>
    public EventFd()
    {
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            NativeException.ThrowLastError("eventfd");
        }
        Handle = new FileDescriptor(fd);
    }

    /// <summary>Wraps an eventfd received from a peer (ownership moves here).</summary>
    public EventFd(FileDescriptor handle) => Handle = handle;

    /// <summary>The underlying descriptor (to pass by SCM_RIGHTS or to poll).</summary>
    public FileDescriptor Handle { get; }

    /// <summary>Adds one to the counter, waking a waiter. A full counter (EAGAIN) already wakes one.</summary>
    public void Signal()
    {
        ulong one = 1;
        long n = write(Handle.Fd, &one, sizeof(ulong));
        if (n < 0)
        {
            int errno = Errno.Last;
            if (errno != Errno.EAGAIN)
            {
                throw new NativeException("write(eventfd)", errno);
            }
        }
    }

    /// <summary>Reads and clears the counter; returns 0 when it was already 0.</summary>
    public ulong TryConsume()
    {
        ulong value;
        long n = read(Handle.Fd, &value, sizeof(ulong));
        if (n < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EAGAIN)
            {
                return 0;
            }
            throw new NativeException("read(eventfd)", errno);
        }
        return value;
    }

    /// <summary>
    /// Waits until the counter is non-zero or <paramref name="timeoutMs"/> elapses (-1: forever), then
    /// consumes it. Returns whether it was signalled. EINTR is retried.
    /// </summary>
    public bool Wait(int timeoutMs)
    {
        if (TryConsume() != 0)
        {
            return true;
        }
        if (!Poller.WaitReadable(Handle.Fd, timeoutMs))
        {
            return false;
        }
        TryConsume();
        return true;
    }

    /// <summary>Closes the descriptor.</summary>
    public void Dispose() => Handle.Dispose();
}
