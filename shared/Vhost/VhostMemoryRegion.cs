using System.Runtime.InteropServices;

namespace Mediator.Vhost;

/// <summary>One region of a SET_MEM_TABLE payload (32 bytes); its fd is the region's SCM_RIGHTS descriptor.</summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VhostMemoryRegion
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 32;

    /// <summary>Where the region starts in the guest's physical address space (descriptor addresses).</summary>
    [FieldOffset(0)] public ulong GuestPhysAddr;

    /// <summary>Bytes of the region.</summary>
    [FieldOffset(8)] public ulong MemorySize;

    /// <summary>Where the region starts in the front end's virtual address space (ring addresses).</summary>
    [FieldOffset(16)] public ulong UserspaceAddr;

    /// <summary>Offset of the region in the fd.</summary>
    [FieldOffset(24)] public ulong MmapOffset;
}

/// <summary>The fixed part of a SET_MEM_TABLE payload: region count, padding, then up to <see cref="MaxRegions"/> regions.</summary>
public static class VhostMemoryTable
{
    /// <summary>Regions a table may hold (VHOST_MEMORY_BASELINE_NREGIONS).</summary>
    public const int MaxRegions = 8;

    /// <summary>Bytes before the first region (u32 count, u32 padding).</summary>
    public const int HeaderSize = 8;

    /// <summary>Bytes of a full table payload.</summary>
    public const int Size = HeaderSize + MaxRegions * VhostMemoryRegion.Size;
}
