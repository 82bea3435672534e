using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>How a shared mapping may be accessed.</summary>
public enum MapAccess
{
    /// <summary>PROT_READ: writes fault (SIGSEGV).</summary>
    ReadOnly,
    /// <summary>PROT_READ | PROT_WRITE.</summary>
    ReadWrite,
}

/// <summary>
/// A <c>MAP_SHARED</c> mapping of a file descriptor, unmapped exactly once on dispose. The pointer is
/// stable for the mapping's lifetime; users must not touch it after <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class MappedMemory : IDisposable
{
    private byte* _base;

    private MappedMemory(byte* @base, long length, MapAccess access)
    {
        _base = @base;
        Length = length;
        Access = access;
    }

    /// <summary>The first byte of the mapping.</summary>
    public byte* Pointer => _base != null ? _base : throw new ObjectDisposedException(nameof(MappedMemory));

    /// <summary>The mapping's length in bytes.</summary>
    public long Length { get; }

    /// <summary>How the mapping was made.</summary>
    public MapAccess Access { get; }

    /// <summary>The mapping as a span (lengths up to 2 GiB).</summary>
    public Span<byte> Span => new(Pointer, checked((int)Length));

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> from offset 0.</summary>
    public static MappedMemory Map(FileDescriptor fd, long length, MapAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        int prot = access == MapAccess.ReadWrite ? PROT_READ | PROT_WRITE : PROT_READ;
        void* p = mmap(null, (size_t)(ulong)length, prot, MAP_SHARED, fd.Fd, 0);
        if (p == (void*)-1)
        {
            NativeException.ThrowLastError("mmap");
        }
        return new MappedMemory((byte*)p, length, access);
    }

    /// <summary>
    /// Broker-private memory with a name: a memfd that only this mapping refers to (its descriptor is
    /// closed at once). Unlike anonymous memory it shows up by name in <c>/proc/PID/maps</c>
    /// ("/memfd:NAME"), so a leak of device rings or queue memory is visible and testable.
    /// </summary>
    public static MappedMemory Private(string name, long length)
    {
        using var fd = Memfd.Create(name, length);
        return Map(fd, length, MapAccess.ReadWrite);
    }

    /// <summary>Anonymous private memory (tests and scratch space).</summary>
    public static MappedMemory Anonymous(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        void* p = mmap(null, (size_t)(ulong)length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == (void*)-1)
        {
            NativeException.ThrowLastError("mmap");
        }
        return new MappedMemory((byte*)p, length, MapAccess.ReadWrite);
    }

    /// <summary>Unmaps the memory. Idempotent.</summary>
    public void Dispose()
    {
        byte* p = _base;
        if (p != null)
        {
            _base = null;
            _ = munmap(p, (size_t)(ulong)Length);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps if the owner forgot; a leaked mapping would keep a client's memfd alive.</summary>
    ~MappedMemory() => Dispose();
}
