using System.Runtime.InteropServices;

namespace Mediator.Native;

/// <summary>
/// The blocking calls this project waits in, imported with <c>SetLastError</c> so errno is captured
/// right after the call. Tmds.LibC's wrappers leave errno to be read later, and the .NET runtime
/// interrupts waiting threads with signals (EINTR) and may touch errno before a later read: a wait
/// that read errno 0 after an interrupted poll once failed with "Success" in the test suite.
/// </summary>
internal static unsafe partial class Sys
{
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(Tmds.Linux.pollfd* fds, ulong count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, Tmds.Linux.epoll_event* events, int maxEvents, int timeoutMs);

    /// <summary>errno of the last call above on this thread.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();
}
