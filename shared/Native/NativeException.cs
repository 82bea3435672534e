using System.Runtime.InteropServices;

namespace Mediator.Native;

/// <summary>
/// A failed Linux call: carries the call's name and the errno it set, with the C library's text for it.
/// </summary>
public sealed class NativeException : IOException
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errno"/>.</summary>
    public NativeException(string call, int errno)
        : base($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Call = call;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The name of the call that failed, e.g. <c>memfd_create</c>.</summary>
    public string Call { get; }

    /// <summary>The errno value the call set.</summary>
    public int Errno { get; }

    /// <summary>Throws for <paramref name="call"/> with the calling thread's current errno.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowLastError(string call) => throw new NativeException(call, Marshal.GetLastPInvokeError() is int e && e != 0 ? e : Tmds.Linux.LibC.errno);

    /// <summary>Throws for <paramref name="call"/> when <paramref name="result"/> is negative.</summary>
    public static long Check(long result, string call)
    {
        if (result < 0)
        {
            ThrowLastError(call);
        }
        return result;
    }
}
