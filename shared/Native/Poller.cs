using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary><c>poll(2)</c> with EINTR retried and the deadline kept across retries.</summary>
public static unsafe partial class Poller
{
    /// <summary>Waits for <paramref name="fd"/> to become readable; false on timeout.</summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        Span<int> fds = [fd];
        return WaitAnyReadable(fds, timeoutMs) >= 0;
    }

    /// <summary>
    /// Waits until one of <paramref name="fds"/> is readable (or hung up) and returns its index, or -1
    /// when <paramref name="timeoutMs"/> elapses (-1 waits forever). At most 8 descriptors.
    /// </summary>
    public static int WaitAnyReadable(ReadOnlySpan<int> fds, int timeoutMs)
    {
        if (fds.Length is 0 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(fds), "poll takes 1 to 8 descriptors here");
        }
        pollfd* set = stackalloc pollfd[fds.Length];
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        while (true)
        {
            for (int i = 0; i < fds.Length; i++)
            {
                set[i].fd = fds[i];
                set[i].events = (short)POLLIN;
                set[i].revents = 0;
            }
            int wait = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            int n = SysPoll(set, (nuint)fds.Length, wait);
            if (n < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                throw new NativeException("poll", errno);
            }
            if (n == 0)
            {
                return -1;
            }
            for (int i = 0; i < fds.Length; i++)
            {
                if (set[i].revents != 0)
                {
                    return i;
                }
            }
        }
    }

    // Declared here with SetLastError so that the errno of this very call is kept: read through
    // Tmds.LibC.errno it came back 0 after a signal (SIGTERM to a client) interrupted the wait, and the
    // EINTR went unrecognised.
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int SysPoll(pollfd* fds, nuint count, int timeoutMs);
}
