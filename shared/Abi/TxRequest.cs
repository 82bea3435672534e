using System.Runtime.InteropServices;

namespace Mediator.Abi;

/// <summary>
/// A transmit request, written by the client into its TX ring. It names a frame by its byte offset
/// into the client's UMEM, never by address; the broker copies it once, validates it and translates
/// it to a bus address itself.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct TxRequest
{
    /// <summary>Bytes per entry.</summary>
    public const int Size = 16;

    /// <summary>Byte offset of the first byte to send, from the start of the UMEM.</summary>
    [FieldOffset(0)] public ulong Offset;

    /// <summary>Bytes to send; the whole span must lie inside one frame.</summary>
    [FieldOffset(8)] public uint Length;

    /// <summary>Reserved for future options; must be zero or the request is refused.</summary>
    [FieldOffset(12)] public uint Options;
}
