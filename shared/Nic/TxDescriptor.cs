using System.Runtime.InteropServices;

namespace Mediator.Nic;

/// <summary>
/// An 82599 advanced TX data descriptor (16 bytes). The driver writes the read format; when the
/// descriptor has RS set, the device writes back DD in <see cref="OlinfoStatus"/> once the frame is
/// sent.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct TxDescriptor
{
    /// <summary>Bytes per descriptor.</summary>
    public const int Size = 16;

    /// <summary>Bus address of the data (read format).</summary>
    [FieldOffset(0)] public ulong BufferAddress;
    /// <summary>DTALEN (bits 15:0), DTYP (23:20) and DCMD (31:24).</summary>
    [FieldOffset(8)] public uint CmdTypeLen;
    /// <summary>Read format: PAYLEN in bits 31:14; write-back: STA bits 3:0, DD is bit 0.</summary>
    [FieldOffset(12)] public uint OlinfoStatus;

    /// <summary>DTYP for an advanced data descriptor (0b0011 in bits 23:20).</summary>
    public const uint DtypData = 0x3u << 20;
    /// <summary>DCMD.EOP: end of packet.</summary>
    public const uint CmdEop = 1u << 24;
    /// <summary>DCMD.IFCS: insert FCS.</summary>
    public const uint CmdIfcs = 1u << 25;
    /// <summary>DCMD.RS: report status (write back DD).</summary>
    public const uint CmdRs = 1u << 27;
    /// <summary>DCMD.DEXT: advanced descriptor.</summary>
    public const uint CmdDext = 1u << 29;
    /// <summary>Mask of DTALEN.</summary>
    public const uint LengthMask = 0xFFFF;
    /// <summary>STA.DD: descriptor done.</summary>
    public const uint StatusDd = 1;
    /// <summary>Shift of PAYLEN in <see cref="OlinfoStatus"/>.</summary>
    public const int PaylenShift = 14;

    /// <summary>A single-buffer data descriptor for a whole frame, with report-status.</summary>
    public static TxDescriptor ForFrame(ulong busAddress, uint length) => new()
    {
        BufferAddress = busAddress,
        CmdTypeLen = (length & LengthMask) | DtypData | CmdEop | CmdIfcs | CmdRs | CmdDext,
        OlinfoStatus = length << PaylenShift,
    };

    /// <summary>
    /// One buffer of a multi-buffer frame: EOP and RS only on the <paramref name="last"/> one; PAYLEN
    /// (the whole frame's length) in the first, as the 82599 reads it.
    /// </summary>
    public static TxDescriptor ForSegment(ulong busAddress, uint length, uint frameLength, bool last) => new()
    {
        BufferAddress = busAddress,
        CmdTypeLen = (length & LengthMask) | DtypData | CmdIfcs | CmdDext | (last ? CmdEop | CmdRs : 0),
        OlinfoStatus = frameLength << PaylenShift,
    };
}
