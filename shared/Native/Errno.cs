namespace Mediator.Native;

/// <summary>The errno values this project tests for by name.</summary>
public static class Errno
{
    /// <summary>Interrupted system call: retried by every wait loop.</summary>
    public const int EINTR = 4;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = 9;
    /// <summary>Resource temporarily unavailable (non-blocking call would block).</summary>
    public const int EAGAIN = 11;
    /// <summary>Permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>Broken pipe: the peer closed the connection.</summary>
    public const int EPIPE = 32;
    /// <summary>Connection reset by peer.</summary>
    public const int ECONNRESET = 104;

    /// <summary>The calling thread's errno after a failed call.</summary>
    public static int Last => Tmds.Linux.LibC.errno;
}
