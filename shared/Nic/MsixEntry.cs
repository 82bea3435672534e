using System.Runtime.InteropServices;

namespace Mediator.Nic;

/// <summary>
/// One MSI-X table entry (16 bytes; the table lives in its own BAR region). Raising the vector makes
/// the device write <see cref="MessageData"/> to bus address <see cref="MessageAddressHigh"/>:<see cref="MessageAddressLow"/>:
/// an interrupt is just a DMA write, which is why whoever can program this table can write memory.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct MsixEntry
{
    /// <summary>Bytes per entry.</summary>
    public const int Size = 16;

    /// <summary>Bus address, low 32 bits (4-byte aligned).</summary>
    [FieldOffset(0)] public uint MessageAddressLow;
    /// <summary>Bus address, high 32 bits.</summary>
    [FieldOffset(4)] public uint MessageAddressHigh;
    /// <summary>The 32-bit value written.</summary>
    [FieldOffset(8)] public uint MessageData;
    /// <summary>Bit 0: masked (the device holds the interrupt pending instead of writing).</summary>
    [FieldOffset(12)] public uint VectorControl;

    /// <summary>Mask bit of <see cref="VectorControl"/>.</summary>
    public const uint Masked = 1;

    /// <summary>Bytes of the MSI-X table region (64 entries).</summary>
    public const int TableSize = Registers.MsixVectors * Size;

    /// <summary>The full 64-bit message address.</summary>
    public readonly ulong Address => ((ulong)MessageAddressHigh << 32) | MessageAddressLow;
}
