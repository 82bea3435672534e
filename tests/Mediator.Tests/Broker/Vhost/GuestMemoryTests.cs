using Mediator.Broker.Vhost;
using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Tests.Broker.Vhost;

/// <summary>The memory-table rules of SET_MEM_TABLE and the translation, with real memfds (in-process).</summary>
public sealed unsafe class GuestMemoryTests
{
    private static VhostMemoryRegion R(ulong gpa, ulong size, ulong user, ulong offset = 0) =>
        new() { GuestPhysAddr = gpa, MemorySize = size, UserspaceAddr = user, MmapOffset = offset };

    public static TheoryData<string, VhostMemoryRegion[], int> BadTables => new()
    {
        { "no regions", [], 0 },
        { "nine regions", Enumerable.Range(0, 9).Select(i => R((ulong)i << 20, 4096, (ulong)i << 20)).ToArray(), 9 },
        { "fd count", [R(0, 4096, 0)], 0 },
        { "zero size", [R(0, 0, 0)], 1 },
        { "gpa wraps", [R(ulong.MaxValue - 100, 4096, 0)], 1 },
        { "user wraps", [R(0, 4096, ulong.MaxValue - 100)], 1 },
        { "offset wraps", [R(0, 4096, 0, ulong.MaxValue - 100)], 1 },
        { "gpa overlap", [R(0x1000, 0x2000, 0), R(0x2000, 0x1000, 0x10000)], 2 },
        { "user overlap", [R(0, 0x2000, 0x5000), R(0x10000, 0x1000, 0x6000)], 2 },
        { "contains", [R(0x1000, 0x10000, 0), R(0x2000, 0x1000, 0x20000)], 2 },
    };

    [Theory]
    [MemberData(nameof(BadTables))]
    public void A_bad_table_is_refused_before_anything_is_mapped(string name, VhostMemoryRegion[] table, int fds)
    {
        Assert.NotNull(GuestMemory.Check(table, fds));
        _ = name;
    }

    [Fact]
    public void Adjacent_regions_are_accepted()
    {
        Assert.Null(GuestMemory.Check([R(0, 0x1000, 0x10000), R(0x1000, 0x1000, 0x11000)], 2));
    }

    [Fact]
    public void A_region_beyond_its_file_or_an_fd_that_is_not_memory_is_refused()
    {
        using var fd = Memfd.Create("gm-test", 1 << 16);
        Assert.Null(GuestMemory.TryCreate([R(0, 1 << 17, 0)], [fd], false, out string? error));
        Assert.Contains("exceeds the file", error);
        Assert.Null(GuestMemory.TryCreate([R(0, 1 << 15, 0, 1 << 15 | 1)], [fd], false, out error));
        using var ev = new EventFd();
        Assert.Null(GuestMemory.TryCreate([R(0, 4096, 0)], [ev.Handle], false, out error));
        Assert.Contains("not a memory file", error);
    }

    [Fact]
    public void The_broker_seals_a_sealable_memfd_against_shrinking_and_translation_is_overflow_safe()
    {
        using var fd = Memfd.Create("gm-test", 1 << 16);
        using var memory = GuestMemory.TryCreate([R(0x10000, 0x8000, 0x900000, 0x4000)], [fd], true, out string? error);
        Assert.NotNull(memory);
        Assert.Null(error);
        Assert.Equal(0, memory.UnsealedRegions);
        Assert.True((Memfd.GetSeals(fd) & MemfdSeals.Shrink) != 0);
        Assert.True(memory.Translate(0x10000, 0x8000) != null);
        Assert.True(memory.Translate(0x17FFF, 1) != null);
        Assert.True(memory.Translate(0x17FFF, 2) == null);
        Assert.True(memory.Translate(0xFFFF, 1) == null);
        Assert.True(memory.Translate(0x10000, 0) == null);
        Assert.True(memory.Translate(0x10001, ulong.MaxValue) == null);
        Assert.True(memory.TranslateUser(0x900000, 16) == memory.Translate(0x10000, 16));
        Assert.True(memory.TranslateUser(0x10000, 16) == null);
    }

    [Fact]
    public void With_sealing_required_an_unsealable_file_is_refused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gm-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(path, new byte[1 << 16]);
            using var fd = new FileDescriptor(Open(path)); // a regular file on a disk: no seals possible
            Assert.Null(GuestMemory.TryCreate([R(0, 4096, 0)], [fd], true, out string? error));
            Assert.Contains("cannot be sealed", error);
            using var memory = GuestMemory.TryCreate([R(0, 4096, 0)], [fd], false, out _);
            Assert.Equal(1, memory!.UnsealedRegions);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int Open(string path)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = utf8)
        {
            return Tmds.Linux.LibC.open(p, Tmds.Linux.LibC.O_RDWR);
        }
    }
}
