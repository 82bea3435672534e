using System.Runtime.InteropServices;

namespace Mediator.Vhost;

/// <summary>The payload of SET_VRING_NUM / SET_VRING_BASE / GET_VRING_BASE / SET_VRING_ENABLE (8 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VhostVringState
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 8;

    /// <summary>The ring (0: receiveq1, 1: transmitq1, …).</summary>
    [FieldOffset(0)] public uint Index;

    /// <summary>The ring size, base index or enable flag.</summary>
    [FieldOffset(4)] public uint Num;
}

/// <summary>The payload of SET_VRING_ADDR (40 bytes): the ring's three parts as front-end virtual addresses.</summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VhostVringAddress
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 40;

    /// <summary>Flag bit: dirty logging of the used ring (refused).</summary>
    public const uint LogFlag = 0x1;

    /// <summary>The ring.</summary>
    [FieldOffset(0)] public uint Index;

    /// <summary><see cref="LogFlag"/> or 0.</summary>
    [FieldOffset(4)] public uint Flags;

    /// <summary>The descriptor table.</summary>
    [FieldOffset(8)] public ulong DescUserAddr;

    /// <summary>The used ring.</summary>
    [FieldOffset(16)] public ulong UsedUserAddr;

    /// <summary>The available ring.</summary>
    [FieldOffset(24)] public ulong AvailUserAddr;

    /// <summary>Guest address for logging (ignored: logging is refused).</summary>
    [FieldOffset(32)] public ulong LogGuestAddr;
}

/// <summary>The u64 payload of SET_VRING_KICK / CALL / ERR: the ring index in the low byte, and a flag for "no fd attached".</summary>
public static class VhostVringFile
{
    /// <summary>The ring index bits.</summary>
    public const ulong IndexMask = 0xFF;

    /// <summary>Set when no fd comes with the message (kick: the back end polls; call: never signal).</summary>
    public const ulong NoFdFlag = 0x100;
}
