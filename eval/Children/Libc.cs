using System.Runtime.InteropServices;

namespace Mediator.Eval.Children;

/// <summary>The few system calls the shared-memory attacks need that Tmds.LibC lacks, and errno.</summary>
internal static partial class Libc
{
    public const int FALLOC_FL_KEEP_SIZE = 1;
    public const int FALLOC_FL_PUNCH_HOLE = 2;

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int Fallocate(int fd, int mode, long offset, long length);

    /// <summary>errno of the last failed call, as a name.</summary>
    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
