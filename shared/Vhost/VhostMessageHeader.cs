using System.Runtime.InteropServices;

namespace Mediator.Vhost;

/// <summary>
/// The 12-byte header of every vhost-user message, in host byte order: request, flags, payload size.
/// The payload (at most <see cref="MaxPayload"/> bytes here) follows; file descriptors travel with the
/// message as SCM_RIGHTS.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VhostMessageHeader
{
    /// <summary>Bytes of the header.</summary>
    public const int Size = 12;

    /// <summary>
    /// The largest payload the broker accepts: the memory table (8 + 8 × 32 bytes) is the largest
    /// request it serves. A larger size field is refused before any payload is read.
    /// </summary>
    public const int MaxPayload = VhostMemoryTable.Size;

    /// <summary>The protocol version bits of <see cref="Flags"/>.</summary>
    public const uint VersionMask = 0x3;

    /// <summary>The only version there is.</summary>
    public const uint Version1 = 0x1;

    /// <summary>Set on a reply.</summary>
    public const uint ReplyFlag = 0x4;

    /// <summary>The front end wants a u64 status reply (VHOST_USER_PROTOCOL_F_REPLY_ACK).</summary>
    public const uint NeedReplyFlag = 0x8;

    /// <summary>Bits a front end may set.</summary>
    public const uint KnownFlags = VersionMask | ReplyFlag | NeedReplyFlag;

    /// <summary>The request (<see cref="VhostRequest"/>).</summary>
    [FieldOffset(0)] public uint Request;

    /// <summary>Version (bits 0–1), reply (bit 2), need-reply (bit 3).</summary>
    [FieldOffset(4)] public uint Flags;

    /// <summary>Bytes of payload that follow.</summary>
    [FieldOffset(8)] public uint PayloadSize;
}
