using Mediator.Native;
using static Tmds.Linux.LibC;

namespace Mediator.Tests.Shared.Native;

public class MemfdTests
{
    [Fact]
    public void Create_gives_a_file_of_the_size_asked_with_no_seals()
    {
        using var fd = Memfd.Create("test-umem", 3 * 4096);
        Assert.Equal(3 * 4096, Memfd.GetSize(fd));
        Assert.Equal(MemfdSeals.None, Memfd.GetSeals(fd));
    }

    [Fact]
    public void Shrink_and_grow_seals_stop_ftruncate()
    {
        using var fd = Memfd.Create("test-seal", 8192);
        Memfd.AddSeals(fd, MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal);
        Assert.Equal(MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal, Memfd.GetSeals(fd));

        Assert.NotEqual(0, ftruncate(fd.Fd, 4096));
        Assert.Equal(Errno.EPERM, Errno.Last);
        Assert.NotEqual(0, ftruncate(fd.Fd, 16384));
        Assert.Equal(Errno.EPERM, Errno.Last);
        Assert.Equal(8192, Memfd.GetSize(fd));
    }

    [Fact]
    public void Sealed_seals_cannot_change()
    {
        using var fd = Memfd.Create("test-seal-seal", 4096);
        Memfd.AddSeals(fd, MemfdSeals.Seal);
        var e = Assert.Throws<NativeException>(() => Memfd.AddSeals(fd, MemfdSeals.Write));
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Equal("fcntl(F_ADD_SEALS)", e.Call);
    }

    [Fact]
    public unsafe void Future_write_seal_refuses_new_writable_mappings_but_keeps_the_old_one()
    {
        using var fd = Memfd.Create("test-broker-area", 4096);
        using var brokerView = MappedMemory.Map(fd, 4096, MapAccess.ReadWrite);
        Memfd.AddSeals(fd, MemfdSeals.FutureWrite | MemfdSeals.Shrink | MemfdSeals.Grow);

        var e = Assert.Throws<NativeException>(() => MappedMemory.Map(fd, 4096, MapAccess.ReadWrite));
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Equal("mmap", e.Call);

        using var clientView = MappedMemory.Map(fd, 4096, MapAccess.ReadOnly);
        brokerView.Pointer[100] = 0x5A;
        Assert.Equal(0x5A, clientView.Pointer[100]);

        byte one = 1;
        Assert.True(write(fd.Fd, &one, 1) < 0, "write(2) must fail on a future-write-sealed memfd");
    }

    [Fact]
    public unsafe void Two_mappings_of_one_memfd_share_memory()
    {
        using var fd = Memfd.Create("test-shared", 4096);
        using var a = MappedMemory.Map(fd, 4096, MapAccess.ReadWrite);
        using var b = MappedMemory.Map(fd, 4096, MapAccess.ReadWrite);
        a.Span[4095] = 0xA5;
        Assert.Equal(0xA5, b.Span[4095]);
    }

    [Fact]
    public void Disposed_mapping_refuses_its_pointer()
    {
        using var fd = Memfd.Create("test-dispose", 4096);
        var m = MappedMemory.Map(fd, 4096, MapAccess.ReadWrite);
        m.Dispose();
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.Span.Length);
    }
}
