using System.Runtime.InteropServices;

namespace Mediator.Abi;

/// <summary>
/// A free buffer the client lends to the broker for receiving: the frame-aligned UMEM offset of a
/// whole frame. The frame belongs to the broker (and then the device) until it comes back on the RX
/// ring.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct FillEntry
{
    /// <summary>Bytes per entry.</summary>
    public const int Size = 8;

    /// <summary>Frame-aligned byte offset into the UMEM.</summary>
    [FieldOffset(0)] public ulong Offset;
}
