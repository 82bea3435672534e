using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Native;

/// <summary>Seals a memfd can carry (see <c>fcntl(2)</c>, "File Sealing").</summary>
[Flags]
public enum MemfdSeals
{
    /// <summary>No seal.</summary>
    None = 0,
    /// <summary>F_SEAL_SEAL: the set of seals can no longer change.</summary>
    Seal = 0x1,
    /// <summary>F_SEAL_SHRINK: the file can no longer shrink, so a mapping can never SIGBUS.</summary>
    Shrink = 0x2,
    /// <summary>F_SEAL_GROW: the file can no longer grow.</summary>
    Grow = 0x4,
    /// <summary>F_SEAL_WRITE: no writes at all, not even through existing mappings.</summary>
    Write = 0x8,
    /// <summary>
    /// F_SEAL_FUTURE_WRITE (Linux 5.1): mappings that exist stay writable, but no new writable
    /// mapping and no write(2) is allowed. This is how a broker-written ring becomes read-only for
    /// the client: the broker maps it first, then seals, then passes the fd.
    /// </summary>
    FutureWrite = 0x10,
}

/// <summary>Anonymous shared memory files (<c>memfd_create(2)</c>) and their seals.</summary>
public static unsafe class Memfd
{
    /// <summary>Creates a sealable memfd of <paramref name="size"/> bytes.</summary>
    public static FileDescriptor Create(string name, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Span<byte> utf8 = stackalloc byte[64];
        int n = System.Text.Encoding.UTF8.GetBytes(name.AsSpan(0, Math.Min(name.Length, 48)), utf8);
        utf8[n] = 0;
        int fd;
        fixed (byte* p = utf8)
        {
            fd = memfd_create(p, (uint)(MFD_CLOEXEC | MFD_ALLOW_SEALING));
        }
        if (fd < 0)
        {
            NativeException.ThrowLastError("memfd_create");
        }
        var handle = new FileDescriptor(fd);
        if (ftruncate(fd, size) != 0)
        {
            int errno = Errno.Last;
            handle.Dispose();
            throw new NativeException("ftruncate", errno);
        }
        return handle;
    }

    /// <summary>Adds <paramref name="seals"/> to the memfd.</summary>
    public static void AddSeals(FileDescriptor fd, MemfdSeals seals)
    {
        if (fcntl(fd.Fd, F_ADD_SEALS, (int)seals) != 0)
        {
            NativeException.ThrowLastError("fcntl(F_ADD_SEALS)");
        }
    }

    /// <summary>The seals the memfd carries now.</summary>
    public static MemfdSeals GetSeals(FileDescriptor fd)
    {
        int seals = fcntl(fd.Fd, F_GET_SEALS);
        if (seals < 0)
        {
            NativeException.ThrowLastError("fcntl(F_GET_SEALS)");
        }
        return (MemfdSeals)seals;
    }

    /// <summary>The file's size in bytes (<c>fstat</c>).</summary>
    public static long GetSize(FileDescriptor fd)
    {
        stat st;
        if (fstat(fd.Fd, &st) != 0)
        {
            NativeException.ThrowLastError("fstat");
        }
        return st.st_size;
    }
}
