using System.Runtime.InteropServices;

namespace Mediator.Native;

/// <summary>
/// An owned Linux file descriptor, closed exactly once when released. Every fd this project opens
/// or receives by SCM_RIGHTS is wrapped in one, so that none leaks when a peer misbehaves.
/// </summary>
public sealed class FileDescriptor : SafeHandle
{
    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public FileDescriptor(int fd) : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    /// <inheritdoc />
    public override bool IsInvalid => handle == -1;

    /// <summary>The raw descriptor number; valid while this object is not disposed.</summary>
    public int Fd => (int)handle;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => Tmds.Linux.LibC.close((int)handle) == 0;

    /// <inheritdoc />
    public override string ToString() => $"fd {Fd}";
}
