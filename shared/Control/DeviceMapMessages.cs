using System.Runtime.InteropServices;

namespace Mediator.Control;

/// <summary>Bits of <see cref="OpenQueueRequest.Flags"/>.</summary>
[Flags]
public enum OpenQueueFlags : uint
{
    /// <summary>A mediated queue, whatever the policy grants (the default, and always allowed).</summary>
    None = 0,
    /// <summary>
    /// Open the queue in the unsafe mode the client's policy grants (<see cref="ClientMode.TxDirect"/> or
    /// <see cref="ClientMode.DirectMap"/>): the broker stops mediating the rings the client will drive,
    /// and the client follows with <see cref="MessageType.MapDevice"/>. Refused with
    /// <see cref="ErrorCode.PolicyDenied"/> when the policy grants only Mediated.
    /// </summary>
    DeviceAccess = 1,
}

/// <summary>Body of <see cref="MessageType.MapDevice"/> (8 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
public struct MapDeviceRequest
{
    /// <summary>A queue of this connection opened with <see cref="OpenQueueFlags.DeviceAccess"/>.</summary>
    [FieldOffset(0)] public uint QueueId;
    /// <summary>Reserved; must be zero.</summary>
    [FieldOffset(4)] public uint Reserved;
}

/// <summary>
/// Body of <see cref="MessageType.MapDeviceReply"/> (72 bytes): what igb_uio and /proc/self/pagemap
/// would tell a kernel-bypass driver. Descriptors come with it, in the order
/// <see cref="TxDirectFdCount"/> / <see cref="DirectMapFdCount"/> name (see docs/abi.md §7.4).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
public struct MapDeviceReply
{
    /// <summary>Descriptors of a TxDirect reply: TX ring, TX doorbell page.</summary>
    public const int TxDirectFdCount = 2;
    /// <summary>Descriptors of a DirectMap reply: TX ring, RX ring, BAR0, MSI-X table.</summary>
    public const int DirectMapFdCount = 4;

    /// <summary>The queue, echoed.</summary>
    [FieldOffset(0)] public uint QueueId;
    /// <summary>The <see cref="ClientMode"/> of the queue (TxDirect or DirectMap).</summary>
    [FieldOffset(4)] public uint Mode;
    /// <summary>The device queue pair (index of its TDT/RDT registers in BAR0).</summary>
    [FieldOffset(8)] public uint DeviceQueue;
    /// <summary>The MSI-X vector the queue pair's IVAR entry names.</summary>
    [FieldOffset(12)] public uint Vector;
    /// <summary>Bus address of UMEM offset 0: a descriptor names <c>UmemBusAddress + offset</c>.</summary>
    [FieldOffset(16)] public ulong UmemBusAddress;
    /// <summary>Bus address of the device TX ring (TDBAL/TDBAH).</summary>
    [FieldOffset(24)] public ulong TxRingBusAddress;
    /// <summary>Bus address of the device RX ring (RDBAL/RDBAH).</summary>
    [FieldOffset(32)] public ulong RxRingBusAddress;
    /// <summary>Descriptors in the device TX ring (TDLEN / 16); the TX ring memfd is this × 16 bytes.</summary>
    [FieldOffset(40)] public uint TxRingSize;
    /// <summary>Descriptors in the device RX ring (RDLEN / 16); the RX ring memfd is this × 16 bytes.</summary>
    [FieldOffset(44)] public uint RxRingSize;
    /// <summary>Bus address of the interrupt page slot the queue's MSI-X entry writes to.</summary>
    [FieldOffset(48)] public ulong InterruptSlotBusAddress;
    /// <summary>The message data the broker programmed into that MSI-X entry.</summary>
    [FieldOffset(56)] public uint InterruptSlotData;
    /// <summary>Descriptors attached.</summary>
    [FieldOffset(60)] public ushort FdCount;
    /// <summary>Reserved, zero.</summary>
    [FieldOffset(62)] public ushort Reserved;
    /// <summary>
    /// Bus address of the broker's canary page: evaluation only, the target the attack catalogue aims
    /// at (on real hardware an attacker finds such addresses by scanning; the model saves it the time).
    /// </summary>
    [FieldOffset(64)] public ulong CanaryBusAddress;
}
