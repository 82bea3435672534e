using Mediator.Native;
using Mediator.Vhost;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Broker.Vhost;

/// <summary>
/// A vhost-user front end's memory table as the broker maps it: up to eight regions, each an fd the
/// front end passed, mapped whole. Descriptor addresses (guest physical) and ring addresses (front-end
/// virtual) are translated here, and a buffer is accepted only when it lies wholly inside one region.
/// Built on the control thread, read by the data path (immutable once built), unmapped by the control
/// thread after the data path has let go of it.
/// </summary>
internal sealed unsafe class GuestMemory : IDisposable
{
    private readonly Region[] _regions;

    private GuestMemory(Region[] regions, int unsealed)
    {
        _regions = regions;
        UnsealedRegions = unsealed;
    }

    private readonly struct Region
    {
        public required ulong GuestPhys { get; init; }
        public required ulong UserAddress { get; init; }
        public required ulong Size { get; init; }
        public required byte* Host { get; init; } // the region's first byte in the broker
        public required MappedMemory Mapping { get; init; }
    }

    /// <summary>Regions in the table.</summary>
    public int Count => _regions.Length;

    /// <summary>Regions whose file can still shrink under the broker (hugetlbfs files, memfds without seals): see docs/security.md.</summary>
    public int UnsealedRegions { get; }

    /// <summary>Bytes mapped over all regions.</summary>
    public ulong TotalSize
    {
        get
        {
            ulong sum = 0;
            foreach (var r in _regions)
            {
                sum += r.Size;
            }
            return sum;
        }
    }

    /// <summary>
    /// Validates a SET_MEM_TABLE and maps it. The rules, each a refusal with its reason in
    /// <paramref name="error"/>: 1 to <see cref="VhostMemoryTable.MaxRegions"/> regions and exactly one fd
    /// per region; no zero size; no address range that wraps (guest physical, user, or fd offset); no two
    /// regions overlapping in guest physical or user addresses; each fd a regular file (memfd or
    /// hugetlbfs) at least <c>mmap_offset + size</c> long; with <paramref name="requireSealed"/>, each fd
    /// sealed against shrinking. The broker tries to add that seal itself (possible on a memfd made with
    /// MFD_ALLOW_SEALING); a file it cannot seal is counted in <see cref="UnsealedRegions"/>.
    /// On success the table owns the mappings; the fds are the caller's to close.
    /// </summary>
    public static GuestMemory? TryCreate(ReadOnlySpan<VhostMemoryRegion> table, IReadOnlyList<FileDescriptor> fds, bool requireSealed, out string? error)
    {
        error = Check(table, fds.Count);
        if (error is not null)
        {
            return null;
        }
        var regions = new List<Region>(table.Length);
        int unsealed = 0;
        try
        {
            for (int i = 0; i < table.Length; i++)
            {
                var r = table[i];
                var fd = fds[i];
                stat st;
                if (fstat(fd.Fd, &st) != 0)
                {
                    error = $"region {i}: fstat failed (errno {Errno.Last})";
                    return null;
                }
                if ((st.st_mode & S_IFMT) != S_IFREG)
                {
                    error = $"region {i}: the fd is not a memory file (mode 0{Convert.ToString((int)st.st_mode, 8)}); memfd or hugetlbfs expected";
                    return null;
                }
                ulong fileSize = (ulong)(long)st.st_size;
                if (r.MmapOffset > fileSize || r.MemorySize > fileSize - r.MmapOffset)
                {
                    error = $"region {i}: mmap_offset {r.MmapOffset} + size {r.MemorySize} exceeds the file's {fileSize} bytes";
                    return null;
                }
                if (!TrySealShrink(fd))
                {
                    if (requireSealed)
                    {
                        error = $"region {i}: the file can shrink under the broker and cannot be sealed (Broker:VhostUserRequireSealedMemory)";
                        return null;
                    }
                    unsealed++;
                }
                // Map from offset 0 so the offset needs no alignment; round up to the file's block size
                // (the huge page size on hugetlbfs, which munmap requires).
                ulong block = (ulong)Math.Max(4096L, (long)st.st_blksize);
                ulong length = r.MmapOffset + r.MemorySize; // no overflow: both are at most fileSize
                length = (length + block - 1) / block * block;
                var mapping = MappedMemory.Map(fd, (long)length, MapAccess.ReadWrite);
                regions.Add(new Region
                {
                    GuestPhys = r.GuestPhysAddr, UserAddress = r.UserspaceAddr, Size = r.MemorySize,
                    Host = mapping.Pointer + r.MmapOffset, Mapping = mapping,
                });
            }
            var memory = new GuestMemory([.. regions], unsealed);
            regions.Clear();
            return memory;
        }
        catch (NativeException e)
        {
            error = $"mapping the table failed: {e.Message}";
            return null;
        }
        finally
        {
            foreach (var r in regions)
            {
                r.Mapping.Dispose();
            }
        }
    }

    /// <summary>The rules that need no fd: count, sizes, wrap-around, overlaps.</summary>
    public static string? Check(ReadOnlySpan<VhostMemoryRegion> table, int fdCount)
    {
        if (table.Length is 0 or > VhostMemoryTable.MaxRegions)
        {
            return $"{table.Length} regions; 1 to {VhostMemoryTable.MaxRegions} allowed";
        }
        if (fdCount != table.Length)
        {
            return $"{table.Length} regions but {fdCount} descriptors attached";
        }
        for (int i = 0; i < table.Length; i++)
        {
            var r = table[i];
            if (r.MemorySize == 0)
            {
                return $"region {i} has size 0";
            }
            if (r.MemorySize - 1 > ulong.MaxValue - r.GuestPhysAddr || r.MemorySize - 1 > ulong.MaxValue - r.UserspaceAddr
                || r.MemorySize > ulong.MaxValue - r.MmapOffset)
            {
                return $"region {i} wraps around the address space";
            }
            if (r.MemorySize > long.MaxValue / 2)
            {
                return $"region {i} is larger than any file can be";
            }
            for (int j = 0; j < i; j++)
            {
                var o = table[j];
                if (Overlap(r.GuestPhysAddr, r.MemorySize, o.GuestPhysAddr, o.MemorySize))
                {
                    return $"regions {j} and {i} overlap in guest physical addresses";
                }
                if (Overlap(r.UserspaceAddr, r.MemorySize, o.UserspaceAddr, o.MemorySize))
                {
                    return $"regions {j} and {i} overlap in front-end addresses";
                }
            }
        }
        return null;

        // Both ranges are non-empty and do not wrap (checked above).
        static bool Overlap(ulong a, ulong aSize, ulong b, ulong bSize) => a <= b ? b - a < aSize : a - b < bSize;
    }

    /// <summary>
    /// The broker's pointer to guest-physical <paramref name="address"/>, or null unless all
    /// <paramref name="length"/> bytes lie inside one region (overflow-safe; length 0 is refused).
    /// </summary>
    public byte* Translate(ulong address, ulong length)
    {
        var regions = _regions;
        for (int i = 0; i < regions.Length; i++)
        {
            ref readonly var r = ref regions[i];
            ulong offset = address - r.GuestPhys; // wraps to a huge value when below the region
            if (offset < r.Size && length != 0 && length <= r.Size - offset)
            {
                return r.Host + offset;
            }
        }
        return null;
    }

    /// <summary>As <see cref="Translate"/>, for a front-end virtual address (the ring addresses).</summary>
    public byte* TranslateUser(ulong address, ulong length)
    {
        foreach (var r in _regions)
        {
            ulong offset = address - r.UserAddress;
            if (offset < r.Size && length != 0 && length <= r.Size - offset)
            {
                return r.Host + offset;
            }
        }
        return null;
    }

    /// <summary>Unmaps every region (control thread, after the data path let go).</summary>
    public void Dispose()
    {
        foreach (var r in _regions)
        {
            r.Mapping.Dispose();
        }
    }

    private static bool TrySealShrink(FileDescriptor fd)
    {
        const int shrink = (int)MemfdSeals.Shrink;
        if (fcntl(fd.Fd, F_ADD_SEALS, shrink) == 0)
        {
            return true;
        }
        int seals = fcntl(fd.Fd, F_GET_SEALS);
        return seals >= 0 && (seals & shrink) != 0;
    }
}
