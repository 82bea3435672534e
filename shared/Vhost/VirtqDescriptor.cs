using System.Runtime.InteropServices;

namespace Mediator.Vhost;

/// <summary>A split virtqueue descriptor (16 bytes, little-endian), written by the untrusted front end.</summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VirtqDescriptor
{
    /// <summary>Bytes of one descriptor.</summary>
    public const int Size = 16;

    /// <summary>VIRTQ_DESC_F_NEXT: <see cref="Next"/> continues the chain.</summary>
    public const ushort FlagNext = 1;

    /// <summary>VIRTQ_DESC_F_WRITE: the device writes the buffer (RX); otherwise it reads it (TX).</summary>
    public const ushort FlagWrite = 2;

    /// <summary>VIRTQ_DESC_F_INDIRECT: the buffer is a table of descriptors (not negotiated: refused).</summary>
    public const ushort FlagIndirect = 4;

    /// <summary>Guest physical address of the buffer.</summary>
    [FieldOffset(0)] public ulong Address;

    /// <summary>Bytes of the buffer.</summary>
    [FieldOffset(8)] public uint Length;

    /// <summary>Flags above.</summary>
    [FieldOffset(12)] public ushort Flags;

    /// <summary>The next descriptor of the chain when <see cref="FlagNext"/> is set.</summary>
    [FieldOffset(14)] public ushort Next;
}

/// <summary>
/// An entry of the used ring (8 bytes): the head of a chain the device finished and the bytes it wrote.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VirtqUsedElement
{
    /// <summary>Bytes of one element.</summary>
    public const int Size = 8;

    /// <summary>Head descriptor index of the chain.</summary>
    [FieldOffset(0)] public uint Id;

    /// <summary>Bytes the device wrote into the chain (0 for TX).</summary>
    [FieldOffset(4)] public uint Length;
}

/// <summary>
/// The layout of a split virtqueue of <c>num</c> entries (virtio 1.x §2.7): descriptor table
/// (16 × num, 16-aligned), available ring (flags, idx, ring[num], used_event; 2-aligned) and used ring
/// (flags, idx, ring[num] of <see cref="VirtqUsedElement"/>, avail_event; 4-aligned).
/// </summary>
public static class VirtqLayout
{
    /// <summary>Largest ring size (a power of two).</summary>
    public const uint MaxSize = 32768;

    /// <summary>Offset of the flags in the available and used rings.</summary>
    public const int FlagsOffset = 0;

    /// <summary>Offset of the index in the available and used rings.</summary>
    public const int IndexOffset = 2;

    /// <summary>Offset of the first ring entry in the available and used rings.</summary>
    public const int RingOffset = 4;

    /// <summary>VIRTQ_AVAIL_F_NO_INTERRUPT: the driver does not want the call eventfd signalled.</summary>
    public const ushort AvailNoInterrupt = 1;

    /// <summary>VIRTQ_USED_F_NO_NOTIFY: the device does not want kicks (it is polling).</summary>
    public const ushort UsedNoNotify = 1;

    /// <summary>Bytes of the descriptor table.</summary>
    public static ulong DescriptorTableSize(uint num) => (ulong)num * VirtqDescriptor.Size;

    /// <summary>Bytes of the available ring, used_event included.</summary>
    public static ulong AvailSize(uint num) => RingOffset + 2UL * num + 2;

    /// <summary>Bytes of the used ring, avail_event included.</summary>
    public static ulong UsedSize(uint num) => RingOffset + (ulong)VirtqUsedElement.Size * num + 2;
}
