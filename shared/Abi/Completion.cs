using System.Runtime.InteropServices;

namespace Mediator.Abi;

/// <summary>
/// An entry the broker writes into a client's TX completion ring (one per TX request, accepted or
/// refused) or RX ring (one per received frame). Both rings are read-only in the client.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct Completion
{
    /// <summary>Bytes per entry.</summary>
    public const int Size = 16;

    /// <summary>
    /// TX: the request's offset, echoed. RX: the frame-aligned offset of the buffer that received the
    /// frame (one the client posted on its fill ring).
    /// </summary>
    [FieldOffset(0)] public ulong Offset;

    /// <summary>TX: the request's length, echoed. RX: the received frame's length.</summary>
    [FieldOffset(8)] public uint Length;

    /// <summary>A <see cref="RequestStatus"/>: <see cref="RequestStatus.Ok"/> or why it was refused.</summary>
    [FieldOffset(12)] public ushort Status;

    /// <summary>Reserved, written as zero.</summary>
    [FieldOffset(14)] public ushort Reserved;
}
