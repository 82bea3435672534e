using System.Runtime.InteropServices;

namespace Mediator.Vhost;

/// <summary>
/// The virtio-net header in front of every frame (virtio 1.x §5.1.6): 12 bytes with VIRTIO_F_VERSION_1
/// or VIRTIO_NET_F_MRG_RXBUF, else 10 (no <see cref="NumBuffers"/>). Without offloads negotiated the
/// broker writes zeros and num_buffers = 1 on RX, and skips it on TX.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VirtioNetHeader
{
    /// <summary>Bytes of the full header.</summary>
    public const int Size = 12;

    /// <summary>Bytes of the legacy header without num_buffers.</summary>
    public const int LegacySize = 10;

    /// <summary>Checksum flags (0: none).</summary>
    [FieldOffset(0)] public byte Flags;

    /// <summary>GSO type (0: none).</summary>
    [FieldOffset(1)] public byte GsoType;

    /// <summary>Header length for GSO.</summary>
    [FieldOffset(2)] public ushort HeaderLength;

    /// <summary>GSO segment size.</summary>
    [FieldOffset(4)] public ushort GsoSize;

    /// <summary>Checksum start.</summary>
    [FieldOffset(6)] public ushort ChecksumStart;

    /// <summary>Checksum offset.</summary>
    [FieldOffset(8)] public ushort ChecksumOffset;

    /// <summary>Buffers the frame spans (RX, with the 12-byte header).</summary>
    [FieldOffset(10)] public ushort NumBuffers;

    /// <summary>The header's size for the negotiated <paramref name="features"/>.</summary>
    public static int SizeFor(ulong features) =>
        (features & (VirtioFeatures.Version1 | VirtioFeatures.MergeableRxBuffers)) != 0 ? Size : LegacySize;
}
