using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Client.Unsafe;

/// <summary>
/// A queue whose device rings this process drives itself, in one of the unsafe modes a broker grants
/// only for evaluation and baselines: raw access to the device, exactly what igb_uio gives a
/// kernel-bypass app, and so exactly what an attacker gets.
/// <list type="bullet">
/// <item><b>TxDirect</b>: the device TX ring (<see cref="TxRing"/>) and this queue's TX doorbell page
/// (<see cref="WriteTxTail"/>); RX stays mediated through <see cref="Queue"/>.</item>
/// <item><b>DirectMap</b>: also the device RX ring, BAR0 (<see cref="ReadRegister"/>/<see cref="WriteRegister"/>,
/// any offset) and the MSI-X table (<see cref="WriteMsixEntry"/>).</item>
/// </list>
/// Descriptors carry raw bus addresses (<see cref="UmemBusAddress"/> + offset for a frame of the UMEM);
/// nothing checks them. Use <see cref="DirectMapDriver"/> or <see cref="TxDirectDriver"/> for a driver.
/// </summary>
/// <remarks>
/// Model detail: the device model is stepped by the broker, which sleeps when idle. After ringing a
/// doorbell, <see cref="WriteTxTail"/> therefore kicks the broker's TX eventfd when the broker's TX
/// consumer line says it sleeps (the need-wakeup rule of docs/abi.md §4); real hardware needs no kick.
/// </remarks>
public sealed unsafe class DirectQueue : IDisposable
{
    private readonly ClientQueue _queue;
    private readonly DeviceMapping _device;
    private readonly uint* _brokerTxFlags;
    private readonly EventFd _kick;
    private readonly uint* _doorbell;
    private readonly byte* _bar0;
    private readonly byte* _msix;
    private readonly int _tdt;
    private readonly int _rdt;
    private long _kicks;
    private bool _disposed;

    internal DirectQueue(ClientQueue queue, in MapDeviceReply reply, DeviceMapping device)
    {
        _queue = queue;
        _device = device;
        Mode = (ClientMode)reply.Mode;
        DeviceQueue = (int)reply.DeviceQueue;
        Vector = (int)reply.Vector;
        UmemBusAddress = reply.UmemBusAddress;
        TxRingBusAddress = reply.TxRingBusAddress;
        RxRingBusAddress = reply.RxRingBusAddress;
        TxRingSize = reply.TxRingSize;
        RxRingSize = reply.RxRingSize;
        InterruptSlotBusAddress = reply.InterruptSlotBusAddress;
        InterruptSlotData = reply.InterruptSlotData;
        CanaryBusAddress = reply.CanaryBusAddress;
        _brokerTxFlags = (uint*)(queue.Mapping.BrokerArea.Pointer + QueueLayout.TxConsumer + sizeof(uint));
        _kick = queue.Mapping.TxKick;
        _tdt = Registers.TDT(DeviceQueue);
        _rdt = Registers.RDT(DeviceQueue);
        if (device.Doorbell is { } page)
        {
            _doorbell = (uint*)(page.Pointer + DoorbellPage.TxTail);
        }
        if (device.Bar0 is { } bar)
        {
            _bar0 = bar.Pointer;
            _msix = device.MsixTable!.Pointer;
        }
    }

    /// <summary>TxDirect or DirectMap.</summary>
    public ClientMode Mode { get; }

    /// <summary>The mediated side of the queue: UMEM, frame allocator, and (TxDirect) the RX ring the broker delivers to.</summary>
    public ClientQueue Queue => _queue;

    /// <summary>The queue's MAC: RX steering key (the broker no longer checks the source of direct TX).</summary>
    public ReadOnlySpan<byte> Mac => _queue.Mac;

    /// <summary>The device queue pair (the <c>q</c> of TDT(q), RDT(q)).</summary>
    public int DeviceQueue { get; }

    /// <summary>The MSI-X vector the queue pair raises.</summary>
    public int Vector { get; }

    /// <summary>Bus address of UMEM offset 0.</summary>
    public ulong UmemBusAddress { get; }

    /// <summary>Bus address of the device TX ring.</summary>
    public ulong TxRingBusAddress { get; }

    /// <summary>Bus address of the device RX ring (DirectMap; 0 in TxDirect).</summary>
    public ulong RxRingBusAddress { get; }

    /// <summary>Descriptors in the device TX ring.</summary>
    public uint TxRingSize { get; }

    /// <summary>Descriptors in the device RX ring (DirectMap; 0 in TxDirect).</summary>
    public uint RxRingSize { get; }

    /// <summary>Bus address of the interrupt page slot the broker pointed this vector's MSI-X entry at.</summary>
    public ulong InterruptSlotBusAddress { get; }

    /// <summary>The MSI-X message data the broker programmed.</summary>
    public uint InterruptSlotData { get; }

    /// <summary>Bus address of the broker's canary page (evaluation target; see <see cref="MapDeviceReply.CanaryBusAddress"/>).</summary>
    public ulong CanaryBusAddress { get; }

    /// <summary>Kicks sent to the broker after doorbells (model detail; see remarks).</summary>
    public long Kicks => _kicks;

    /// <summary>The UMEM, read-write.</summary>
    public Span<byte> Umem => _queue.Umem;

    /// <summary>The device TX ring, read-write: whatever is written here the device will DMA from.</summary>
    public Span<TxDescriptor> TxRing => new(_device.TxRing.Pointer, (int)TxRingSize);

    /// <summary>The device RX ring, read-write: whatever address is written here the device will DMA into.</summary>
    /// <exception cref="InvalidOperationException">TxDirect: RX is mediated.</exception>
    public Span<RxDescriptor> RxRing => _device.RxRing is { } rx
        ? new(rx.Pointer, (int)RxRingSize)
        : throw new InvalidOperationException("TxDirect queues have no device RX ring mapped; RX is mediated (use Queue)");

    /// <summary>
    /// Rings the TX doorbell: release-stores <paramref name="tail"/> (a ring index, not masked here; the
    /// device ignores a tail outside the ring) into the doorbell page (TxDirect) or TDT (DirectMap), then
    /// kicks the broker if it sleeps.
    /// </summary>
    public void WriteTxTail(uint tail)
    {
        if (_doorbell != null)
        {
            Volatile.Write(ref *_doorbell, tail);
        }
        else
        {
            WriteRegister(_tdt, tail);
        }
        KickIfBrokerSleeps();
    }

    /// <summary>The device's TX head (TDH; DirectMap only, it lives in BAR0).</summary>
    public uint ReadTxHead() => ReadRegister(Registers.TDH(DeviceQueue));

    /// <summary>Rings the RX doorbell: release-stores <paramref name="tail"/> into RDT (DirectMap).</summary>
    public void WriteRxTail(uint tail) => WriteRegister(_rdt, tail);

    /// <summary>Acquire-loads the 32-bit register at <paramref name="offset"/> of BAR0 (any register, any queue; DirectMap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadRegister(int offset) => Volatile.Read(ref *Register(offset));

    /// <summary>Release-stores the 32-bit register at <paramref name="offset"/> of BAR0 (any register, any queue; DirectMap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteRegister(int offset, uint value) => Volatile.Write(ref *Register(offset), value);

    /// <summary>
    /// Programs MSI-X entry <paramref name="vector"/> (any of the table's): mask, address, data, unmask.
    /// The device will DMA-write <paramref name="data"/> to <paramref name="address"/> when the vector fires.
    /// </summary>
    public void WriteMsixEntry(int vector, ulong address, uint data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vector, Registers.MsixVectors);
        uint* e = (uint*)(RequireBar(_msix) + vector * MsixEntry.Size);
        Volatile.Write(ref e[3], MsixEntry.Masked);
        Volatile.Write(ref e[0], (uint)address);
        Volatile.Write(ref e[1], (uint)(address >> 32));
        Volatile.Write(ref e[2], data);
        Volatile.Write(ref e[3], 0u);
    }

    /// <summary>Reads MSI-X entry <paramref name="vector"/> (DirectMap).</summary>
    public MsixEntry ReadMsixEntry(int vector)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vector, Registers.MsixVectors);
        return System.Runtime.CompilerServices.Unsafe.Read<MsixEntry>(RequireBar(_msix) + vector * MsixEntry.Size);
    }

    /// <summary>
    /// Model detail: after a doorbell, signals the broker's TX kick eventfd if its TX consumer line has
    /// need-wakeup set (full fence first, as for any producer publish; see docs/abi.md §4).
    /// </summary>
    public void KickIfBrokerSleeps()
    {
        Interlocked.MemoryBarrier(); // store (tail) → load (flag); pairs with the broker's fence after setting the flag
        if ((Volatile.Read(ref *_brokerTxFlags) & (uint)RingFlags.NeedWakeup) != 0)
        {
            _kick.Signal();
            _kicks++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint* Register(int offset)
    {
        byte* bar = RequireBar(_bar0);
        if ((uint)offset > Registers.Bar0Size - sizeof(uint) || (offset & 3) != 0)
        {
            ThrowBadOffset(offset);
        }
        return (uint*)(bar + offset);
    }

    private byte* RequireBar(byte* p) => p != null ? p : throw new InvalidOperationException($"{Mode} queues have no BAR0 or MSI-X table mapped");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadOffset(int offset) =>
        throw new ArgumentOutOfRangeException(nameof(offset), offset, "register offset outside BAR0 or not 4-byte aligned");

    /// <summary>Unmaps the device memory and closes the queue (the broker disables the queue pair). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _queue.Dispose(); // the broker disables the queue pair first: the device stops using our rings
        _device.Dispose();
    }
}
