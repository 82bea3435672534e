using System.Runtime.InteropServices;
using Mediator.Native;

namespace Mediator.Tests.Shared.Native;

public class NativeExceptionTests
{
    [Fact]
    public void Text_names_the_call_and_the_errno()
    {
        var e = new NativeException("memfd_create", Errno.EINVAL);
        Assert.Contains("memfd_create", e.Message, StringComparison.Ordinal);
        Assert.Contains("errno 22", e.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid argument", e.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Fact]
    public void A_failed_call_reports_its_own_errno_not_a_stale_one()
    {
        // A number no descriptor has: closing it later is harmless, unlike a recycled real one.
        using var bad = new FileDescriptor(int.MaxValue);
        // A stale value left by an earlier P/Invoke must not mask the real errno (EBADF).
        Marshal.SetLastPInvokeError(2);
        var e = Assert.Throws<NativeException>(() => MappedMemory.Map(bad, 4096, MapAccess.ReadOnly));
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.Contains("mmap", e.Message, StringComparison.Ordinal);
    }
}
