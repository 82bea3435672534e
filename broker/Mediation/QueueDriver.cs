using System.Runtime.CompilerServices;
using Mediator.Broker.Device;
using Mediator.Control;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The broker's driver for one device queue pair, written the way ixgbe programs an 82599 queue:
/// descriptor rings in broker-private memory mapped into the bus, base/length/head/tail registers,
/// SRRCTL buffer size, an IVAR entry and an MSI-X vector, and an address filter that steers the
/// client's MAC to this queue. In Mediated mode only the broker writes these rings; clients never map
/// them. In the unsafe modes (<see cref="ClientMode.TxDirect"/>, <see cref="ClientMode.DirectMap"/>) the
/// rings are memfds the broker keeps open to hand to the client, and a TxDirect queue's doorbell moves to
/// its own page (<see cref="TxDoorbellPage"/>) so that the client can ring it without BAR0.
/// </summary>
internal sealed unsafe partial class QueueDriver : IDisposable
{
    private readonly NicPort _port;
    private readonly BusAddressSpace _bus;
    private readonly MappedMemory _txMemory;
    private readonly MappedMemory _rxMemory;
    private readonly BusRegion _txRegion;
    private readonly BusRegion _rxRegion;
    private readonly BusRegion _umemRegion;
    private readonly MappedMemory _txHeaderMemory;
    private readonly BusRegion _txHeaderRegion;
    private readonly TxDescriptor* _tx;
    private readonly RxDescriptor* _rx;
    private readonly int _tdt;
    private readonly int _rdt;
    private readonly FileDescriptor? _txRingFile;
    private readonly FileDescriptor? _rxRingFile;
    private bool _disposed;

    /// <summary>Programs device queue <paramref name="queue"/> for a client whose UMEM is <paramref name="umem"/>.</summary>
    public QueueDriver(DeviceModel device, int queue, uint txSize, uint rxSize, uint bufferSize,
        MappedMemory umem, string owner, int ownerTag, ReadOnlySpan<byte> mac, int vector, uint throttleMicroseconds,
        ClientMode mode = ClientMode.Mediated, bool consumerInBroker = false)
    {
        _port = device.Ports[0];
        _bus = device.Bus;
        Queue = queue;
        TxSize = Math.Max(txSize, 8); // TDLEN must be a multiple of 128 bytes
        RxSize = Math.Max(rxSize, 8);
        TxMask = TxSize - 1;
        RxMask = RxSize - 1;
        Mode = mode;
        Vector = vector;
        if (mode == ClientMode.Mediated)
        {
            _txMemory = MappedMemory.Private($"mediator-q{queue}-tx-ring", TxSize * TxDescriptor.Size);
            _rxMemory = MappedMemory.Private($"mediator-q{queue}-rx-ring", RxSize * RxDescriptor.Size);
        }
        else
        {
            // Unsafe modes: keep the ring memfds, the client maps them (what igb_uio's mmap of DMA memory gives).
            _txMemory = SharedRing($"mediator-q{queue}-tx-ring", TxSize * TxDescriptor.Size, out _txRingFile);
            _rxMemory = SharedRing($"mediator-q{queue}-rx-ring", RxSize * RxDescriptor.Size, out _rxRingFile);
        }
        _tx = (TxDescriptor*)_txMemory.Pointer;
        _rx = (RxDescriptor*)_rxMemory.Pointer;
        _txRegion = _bus.Map($"q{queue} tx ring", RegionKind.DeviceRing, _txMemory.Pointer, _txMemory.Length);
        _rxRegion = _bus.Map($"q{queue} rx ring", RegionKind.DeviceRing, _rxMemory.Pointer, _rxMemory.Length);
        _umemRegion = _bus.Map($"umem {owner}", RegionKind.ClientUmem, umem.Pointer, umem.Length, ownerTag, streamDmaWrites: !consumerInBroker);
        UmemBusAddress = _umemRegion.BusAddress;
        // Broker-private TX header slots, one per TX descriptor, which only this queue's DMA reads (policy checks: TxHeaders.cs).
        _txHeaderMemory = MappedMemory.Private($"mediator-q{queue}-tx-headers", TxSize * TxHeaderSlot);
        _txHeaderRegion = _bus.Map($"q{queue} tx headers", RegionKind.BrokerPrivate, _txHeaderMemory.Pointer, _txHeaderMemory.Length, ownerTag);
        device.Audit.SetQueueOwner(_port.AuditQueue(queue), ownerTag); // the evaluation's oracle: DMA for this queue may touch only this UMEM
        _tdt = Registers.TDT(queue);
        _rdt = Registers.RDT(queue);

        WriteRegister(Registers.TDBAL(queue), (uint)_txRegion.BusAddress);
        WriteRegister(Registers.TDBAH(queue), (uint)(_txRegion.BusAddress >> 32));
        WriteRegister(Registers.TDLEN(queue), TxSize * TxDescriptor.Size);
        WriteRegister(Registers.TDH(queue), 0);
        WriteRegister(_tdt, 0);
        WriteRegister(Registers.SRRCTL(queue), Math.Min(bufferSize / 1024, 31));
        WriteRegister(Registers.RDBAL(queue), (uint)_rxRegion.BusAddress);
        WriteRegister(Registers.RDBAH(queue), (uint)(_rxRegion.BusAddress >> 32));
        WriteRegister(Registers.RDLEN(queue), RxSize * RxDescriptor.Size);
        WriteRegister(Registers.RDH(queue), 0);
        WriteRegister(_rdt, 0);

        // One vector per queue pair, like ixgbe's "TxRx-N" vectors: RX and TX bytes of the IVAR entry.
        int ivar = Registers.IVAR(queue / 2);
        int shift = (queue % 2) * 16;
        uint value = ReadRegister(ivar) & ~(0xFFFFu << shift);
        value |= (((uint)vector | Registers.IvarValid) << shift) | (((uint)vector | Registers.IvarValid) << (shift + 8));
        WriteRegister(ivar, value);
        WriteRegister(Registers.EITR(vector % 24), (throttleMicroseconds / 2) << 3);

        uint ral = (uint)(mac[0] | mac[1] << 8 | mac[2] << 16 | mac[3] << 24);
        uint rah = (uint)(mac[4] | mac[5] << 8) | ((uint)queue << Registers.RahQueueShift) | Registers.RahAddressValid;
        WriteRegister(Registers.RAL(queue), ral);
        WriteRegister(Registers.RAH(queue), rah);

        if (mode == ClientMode.TxDirect)
        {
            DoorbellPage = _port.AttachTxDoorbellPage(queue); // before the enable: the client's tail is the only one
        }

        WriteRegister(Registers.TXDCTL(queue), Registers.QueueEnable);
        WriteRegister(Registers.RXDCTL(queue), Registers.QueueEnable);
    }

    /// <summary>The device queue number.</summary>
    public int Queue { get; }
    /// <summary>TX descriptors in the device ring.</summary>
    public uint TxSize { get; }
    /// <summary>RX descriptors in the device ring.</summary>
    public uint RxSize { get; }
    /// <summary>TxSize − 1.</summary>
    public uint TxMask { get; }
    /// <summary>RxSize − 1.</summary>
    public uint RxMask { get; }
    /// <summary>The device TX ring as the broker wrote it (benchmarks and tests inspect it).</summary>
    internal TxDescriptor* TxRing => _tx;

    /// <summary>Where the client's UMEM starts on the bus: request offsets are translated against it.</summary>
    public ulong UmemBusAddress { get; }

    /// <summary>How the client drives this queue pair.</summary>
    public ClientMode Mode { get; }

    /// <summary>The MSI-X vector of the queue pair.</summary>
    public int Vector { get; }

    /// <summary>Bus address of the device TX ring.</summary>
    public ulong TxRingBusAddress => _txRegion.BusAddress;

    /// <summary>Bus address of the device RX ring.</summary>
    public ulong RxRingBusAddress => _rxRegion.BusAddress;

    /// <summary>The TX ring's memfd (unsafe modes only; closed with the driver).</summary>
    public FileDescriptor? TxRingFile => _txRingFile;

    /// <summary>The RX ring's memfd (unsafe modes only; closed with the driver).</summary>
    public FileDescriptor? RxRingFile => _rxRingFile;

    /// <summary>The TX doorbell page (TxDirect only).</summary>
    public TxDoorbellPage? DoorbellPage { get; }

    /// <summary>The port whose queue pair this is.</summary>
    public NicPort Port => _port;

    /// <summary>
    /// Whether the device has TX descriptors posted it has not walked yet (tail ≠ head). For queues the
    /// client drives itself: the data path must not sleep while their doorbell was rung.
    /// </summary>
    public bool DeviceTxPending() => _port.ReadTxTail(Queue) != ReadRegister(Registers.TDH(Queue));

    /// <summary>Writes TX descriptor for free-running slot <paramref name="slot"/> (plain store; the doorbell publishes it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTx(uint slot, ulong busAddress, uint length) => _tx[slot & TxMask] = TxDescriptor.ForFrame(busAddress, length);

    /// <summary>Tells the device the ring holds descriptors up to free-running <paramref name="posted"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingTxDoorbell(uint posted) => _port.WriteTail(_tdt, posted & TxMask);

    /// <summary>Whether the device wrote DD into the TX descriptor of <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TxDone(uint slot) =>
        // Acquire: pairs with the device's release write-back, so DD implies the frame was read.
        (Volatile.Read(ref _tx[slot & TxMask].OlinfoStatus) & TxDescriptor.StatusDd) != 0;

    /// <summary>Writes an RX descriptor for free-running <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteRx(uint slot, ulong busAddress) => _rx[slot & RxMask] = RxDescriptor.ForBuffer(busAddress);

    /// <summary>Tells the device RX descriptors are armed up to free-running <paramref name="armed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingRxDoorbell(uint armed) => _port.WriteTail(_rdt, armed & RxMask);

    /// <summary>Whether the device wrote a frame into the RX descriptor of <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool RxDone(uint slot, out uint length, out bool error)
    {
        ref RxDescriptor d = ref _rx[slot & RxMask];
        // Acquire: pairs with the device's release write-back of status; length is read after it.
        uint status = Volatile.Read(ref d.WbStatusError);
        if ((status & RxDescriptor.StatusDd) == 0)
        {
            length = 0;
            error = false;
            return false;
        }
        length = d.WbLength;
        error = (status & RxDescriptor.ErrorRxe) != 0;
        return true;
    }

    /// <summary>Stops the device using this queue pair (TX and RX disabled, filter removed).</summary>
    public void Disable()
    {
        WriteRegister(Registers.TXDCTL(Queue), 0);
        WriteRegister(Registers.RXDCTL(Queue), 0);
        WriteRegister(Registers.RAH(Queue), 0);
        WriteRegister(Registers.RAL(Queue), 0);
    }

    /// <summary>Disables the queue, unmaps its memory from the bus (stray DMA now faults) and frees it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Disable();
        if (DoorbellPage != null)
        {
            _port.DetachTxDoorbellPage(Queue);
        }
        _bus.Unmap(_umemRegion);
        _bus.Unmap(_txRegion);
        _bus.Unmap(_rxRegion);
        _bus.Unmap(_txHeaderRegion);
        _txHeaderMemory.Dispose();
        _txMemory.Dispose();
        _rxMemory.Dispose();
        _txRingFile?.Dispose();
        _rxRingFile?.Dispose();
    }

    private static MappedMemory SharedRing(string name, long length, out FileDescriptor file)
    {
        file = Memfd.Create(name, length);
        try
        {
            // Sealed against resizing: the client must not be able to SIGBUS the device (the broker).
            Memfd.AddSeals(file, MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal);
            return MappedMemory.Map(file, length, MapAccess.ReadWrite);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void WriteRegister(int offset, uint value) => _port.WriteRegister(offset, value);

    private uint ReadRegister(int offset) => _port.ReadRegister(offset);
}
