using System.Runtime.InteropServices;
using Mediator.Abi;

namespace Mediator.Control;

/// <summary>Body of <see cref="MessageType.Hello"/> (40 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
public unsafe struct HelloRequest
{
    /// <summary>The ABI version the client was built against.</summary>
    [FieldOffset(0)] public uint AbiVersion;
    /// <summary>Reserved; must be zero.</summary>
    [FieldOffset(4)] public uint Flags;
    /// <summary>The app's name, UTF-8, NUL-padded (for logs and stats only; never trusted).</summary>
    [FieldOffset(8)] public fixed byte AppName[32];
}

/// <summary>How a client's queues are connected to the device (set by the broker's policy).</summary>
public enum ClientMode : uint
{
    /// <summary>The client writes requests; the broker validates them and drives the device. Default.</summary>
    Mediated = 0,
    /// <summary>The client writes the device TX ring itself; RX stays mediated (evaluation only).</summary>
    TxDirect = 1,
    /// <summary>The client drives the whole device (igb_uio-like; evaluation and baseline only).</summary>
    DirectMap = 2,
}

/// <summary>Body of <see cref="MessageType.HelloReply"/> (32 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
public struct HelloReply
{
    /// <summary>The broker's ABI version.</summary>
    [FieldOffset(0)] public uint AbiVersion;
    /// <summary>The broker's id for this connection.</summary>
    [FieldOffset(4)] public uint ClientId;
    /// <summary>The <see cref="ClientMode"/> the policy grants.</summary>
    [FieldOffset(8)] public uint Mode;
    /// <summary>Queues this client may open.</summary>
    [FieldOffset(12)] public uint MaxQueues;
    /// <summary>UMEM bytes this client may hold over all its queues.</summary>
    [FieldOffset(16)] public ulong MaxUmemBytes;
    /// <summary>Longest frame the client may send.</summary>
    [FieldOffset(24)] public uint MaxFrameLength;
    /// <summary>Reserved, zero.</summary>
    [FieldOffset(28)] public uint Reserved;
}

/// <summary>Body of <see cref="MessageType.OpenQueue"/> (32 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
public struct OpenQueueRequest
{
    /// <summary>The sizes wanted.</summary>
    [FieldOffset(0)] public QueueGeometry Geometry;
    /// <summary>Reserved; must be zero.</summary>
    [FieldOffset(24)] public uint Flags;
    /// <summary>Reserved; must be zero.</summary>
    [FieldOffset(28)] public uint Reserved;
}

/// <summary>
/// Body of <see cref="MessageType.OpenQueueReply"/> (64 bytes). Seven descriptors come with it, in
/// the order of <see cref="QueueFd"/>.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public unsafe struct OpenQueueReply
{
    /// <summary>The queue's id on this connection.</summary>
    [FieldOffset(0)] public uint QueueId;
    /// <summary>The device queue pair serving it.</summary>
    [FieldOffset(4)] public uint DeviceQueue;
    /// <summary>The geometry granted (what the areas are laid out for).</summary>
    [FieldOffset(8)] public QueueGeometry Geometry;
    /// <summary>Bytes of the UMEM memfd.</summary>
    [FieldOffset(32)] public ulong UmemSize;
    /// <summary>Bytes of the client area memfd.</summary>
    [FieldOffset(40)] public ulong ClientAreaSize;
    /// <summary>Bytes of the broker area memfd.</summary>
    [FieldOffset(48)] public ulong BrokerAreaSize;
    /// <summary>The MAC address frames for this queue are steered by; the source MAC it must send from.</summary>
    [FieldOffset(56)] public fixed byte Mac[6];
    /// <summary>Number of descriptors attached (7).</summary>
    [FieldOffset(62)] public ushort FdCount;
}

/// <summary>The descriptors attached to an OpenQueueReply, in this order.</summary>
public enum QueueFd
{
    /// <summary>The UMEM memfd: map read-write; sealed against shrinking and growing.</summary>
    Umem = 0,
    /// <summary>The client area memfd: map read-write.</summary>
    ClientArea = 1,
    /// <summary>The broker area memfd: map read-only (a writable mapping is refused by the kernel).</summary>
    BrokerArea = 2,
    /// <summary>Eventfd the client signals after producing TX requests while the broker's TX need-wakeup is set.</summary>
    TxKick = 3,
    /// <summary>Eventfd the client signals after producing fill entries while the broker's fill need-wakeup is set.</summary>
    FillKick = 4,
    /// <summary>Eventfd the broker signals after producing RX entries while the client's RX need-wakeup is set.</summary>
    RxNotify = 5,
    /// <summary>Eventfd the broker signals after producing completions while the client's completion need-wakeup is set.</summary>
    TxNotify = 6,
}

/// <summary>Body of <see cref="MessageType.CloseQueue"/> and <see cref="MessageType.CloseQueueReply"/> (8 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
public struct CloseQueueRequest
{
    /// <summary>The queue to close.</summary>
    [FieldOffset(0)] public uint QueueId;
    /// <summary>Reserved; must be zero.</summary>
    [FieldOffset(4)] public uint Reserved;
}

/// <summary>Body of <see cref="MessageType.Stats"/> (8 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
public struct StatsRequest
{
    /// <summary>Ask for the sum over every queue of the broker rather than one queue.</summary>
    public const uint AllQueues = 0xFFFF_FFFF;

    /// <summary>The queue, or <see cref="AllQueues"/>.</summary>
    [FieldOffset(0)] public uint QueueId;
    /// <summary>Reserved; must be zero.</summary>
    [FieldOffset(4)] public uint Reserved;
}

/// <summary>Body of <see cref="MessageType.Error"/>: 8 bytes, then up to 240 bytes of UTF-8 text.</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
public struct ErrorReply
{
    /// <summary>Most text bytes.</summary>
    public const int MaxTextBytes = 240;

    /// <summary>An <see cref="Control.ErrorCode"/>.</summary>
    [FieldOffset(0)] public uint Code;
    /// <summary>The type of the message that failed.</summary>
    [FieldOffset(4)] public uint FailedType;
}
