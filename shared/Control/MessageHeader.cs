using System.Runtime.InteropServices;

namespace Mediator.Control;

/// <summary>
/// The 16 bytes that start every control message (little-endian). One message is one SOCK_SEQPACKET
/// datagram, so <see cref="Length"/> must equal the bytes received.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct MessageHeader
{
    /// <summary>Bytes of the header.</summary>
    public const int Size = 16;

    /// <summary><see cref="Abi.AbiVersion.ControlMagic"/>.</summary>
    [FieldOffset(0)] public uint Magic;
    /// <summary><see cref="Abi.AbiVersion.Current"/>.</summary>
    [FieldOffset(4)] public ushort Version;
    /// <summary>A <see cref="MessageType"/>.</summary>
    [FieldOffset(6)] public ushort Type;
    /// <summary>Bytes of the whole message, header included.</summary>
    [FieldOffset(8)] public uint Length;
    /// <summary>Chosen by the client; echoed in the reply.</summary>
    [FieldOffset(12)] public uint RequestId;
}
