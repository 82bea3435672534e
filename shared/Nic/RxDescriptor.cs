using System.Runtime.InteropServices;

namespace Mediator.Nic;

/// <summary>
/// An 82599 advanced RX descriptor (16 bytes, one-buffer mode). The driver writes the read format
/// (buffer address, header address 0); the device overwrites it with the write-back format when a
/// frame lands: status/error at byte 8 (DD bit 0, EOP bit 1), length at byte 12.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct RxDescriptor
{
    /// <summary>Bytes per descriptor.</summary>
    public const int Size = 16;

    /// <summary>Read format: bus address of the packet buffer.</summary>
    [FieldOffset(0)] public ulong PacketBufferAddress;
    /// <summary>Read format: header buffer address; bit 0 must be 0 (it is where DD lands on write-back).</summary>
    [FieldOffset(8)] public ulong HeaderBufferAddress;

    /// <summary>Write-back: packet type and RSS type (model writes 0).</summary>
    [FieldOffset(0)] public uint WbInfo;
    /// <summary>Write-back: RSS hash (model writes 0).</summary>
    [FieldOffset(4)] public uint WbRssHash;
    /// <summary>Write-back: extended status (bits 19:0) and errors (31:20).</summary>
    [FieldOffset(8)] public uint WbStatusError;
    /// <summary>Write-back: bytes written to the packet buffer.</summary>
    [FieldOffset(12)] public ushort WbLength;
    /// <summary>Write-back: stripped VLAN tag (model writes 0).</summary>
    [FieldOffset(14)] public ushort WbVlan;

    /// <summary>STATUS.DD: descriptor done.</summary>
    public const uint StatusDd = 1;
    /// <summary>STATUS.EOP: end of packet.</summary>
    public const uint StatusEop = 2;
    /// <summary>ERROR.RXE (model: the frame was longer than the buffer and was cut).</summary>
    public const uint ErrorRxe = 1u << 29;

    /// <summary>A read-format descriptor for a buffer at <paramref name="busAddress"/>.</summary>
    public static RxDescriptor ForBuffer(ulong busAddress) => new() { PacketBufferAddress = busAddress, HeaderBufferAddress = 0 };
}
