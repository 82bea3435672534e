using Mediator.Broker.Device;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

/// <summary>
/// A minimal driver for one queue pair, programming the model the way ixgbe/ixy would: rings and
/// buffers in memory mapped into the bus, base/length registers, enable bits, then doorbells.
/// </summary>
internal sealed unsafe class TestDriver : IDisposable
{
    public const int BufferSize = 2048;

    private readonly MappedMemory _txRing;
    private readonly MappedMemory _rxRing;
    private readonly MappedMemory _buffers;
    private uint _txTail;
    private uint _txClean;
    private uint _rxNext;

    public TestDriver(DeviceModel model, NicPort port, int queue, int ringSize = 32, int ownerTag = -1, RegionKind bufferKind = RegionKind.BrokerPrivate)
    {
        Model = model;
        Port = port;
        Queue = queue;
        RingSize = (uint)ringSize;
        long ringBytes = ringSize * 16;
        _txRing = MappedMemory.Anonymous(ringBytes);
        _rxRing = MappedMemory.Anonymous(ringBytes);
        _buffers = MappedMemory.Anonymous(2L * ringSize * BufferSize);
        TxRingRegion = model.Bus.Map($"txring{queue}", RegionKind.DeviceRing, _txRing.Pointer, ringBytes);
        RxRingRegion = model.Bus.Map($"rxring{queue}", RegionKind.DeviceRing, _rxRing.Pointer, ringBytes);
        BufferRegion = model.Bus.Map($"buffers{queue}", bufferKind, _buffers.Pointer, _buffers.Length, ownerTag);
        model.Audit.SetQueueOwner(port.AuditQueue(queue), ownerTag);
    }

    public DeviceModel Model { get; }
    public NicPort Port { get; }
    public int Queue { get; }
    public uint RingSize { get; }
    public BusRegion TxRingRegion { get; }
    public BusRegion RxRingRegion { get; }
    public BusRegion BufferRegion { get; }

    public TxDescriptor* TxRing => (TxDescriptor*)_txRing.Pointer;
    public RxDescriptor* RxRing => (RxDescriptor*)_rxRing.Pointer;

    public ulong TxBuffer(uint i) => BufferRegion.BusAddress + (ulong)(i * BufferSize);
    public ulong RxBuffer(uint i) => BufferRegion.BusAddress + (ulong)((RingSize + i) * BufferSize);
    public byte* RxBufferHost(uint i) => _buffers.Pointer + ((RingSize + i) * BufferSize);

    public TestDriver EnableTx()
    {
        Port.WriteRegister(Registers.TDBAL(Queue), (uint)TxRingRegion.BusAddress);
        Port.WriteRegister(Registers.TDBAH(Queue), (uint)(TxRingRegion.BusAddress >> 32));
        Port.WriteRegister(Registers.TDLEN(Queue), RingSize * 16);
        Port.WriteRegister(Registers.TDH(Queue), 0);
        Port.WriteRegister(Registers.TDT(Queue), 0);
        Port.WriteRegister(Registers.TXDCTL(Queue), Registers.QueueEnable);
        return this;
    }

    /// <summary>Enables RX with <paramref name="armed"/> descriptors armed (default: all but one).</summary>
    public TestDriver EnableRx(int armed = -1, uint srrctlKb = BufferSize / 1024)
    {
        uint n = armed < 0 ? RingSize - 1 : (uint)armed;
        for (uint i = 0; i < RingSize; i++)
        {
            RxRing[i] = RxDescriptor.ForBuffer(RxBuffer(i));
        }
        Port.WriteRegister(Registers.RDBAL(Queue), (uint)RxRingRegion.BusAddress);
        Port.WriteRegister(Registers.RDBAH(Queue), (uint)(RxRingRegion.BusAddress >> 32));
        Port.WriteRegister(Registers.RDLEN(Queue), RingSize * 16);
        Port.WriteRegister(Registers.SRRCTL(Queue), srrctlKb);
        Port.WriteRegister(Registers.RDH(Queue), 0);
        Port.WriteRegister(Registers.RDT(Queue), n);
        Port.WriteRegister(Registers.RXDCTL(Queue), Registers.QueueEnable);
        return this;
    }

    /// <summary>Steers <paramref name="mac"/> to this queue through filter <paramref name="filter"/>.</summary>
    public TestDriver SteerMac(int filter, ulong mac)
    {
        Port.WriteRegister(Registers.RAL(filter), MacAddress.Ral(mac));
        Port.WriteRegister(Registers.RAH(filter), MacAddress.Rah(mac, Queue));
        return this;
    }

    /// <summary>Maps this queue's RX and TX causes to <paramref name="vector"/> and points it at interrupt slot <paramref name="slot"/>.</summary>
    public TestDriver RouteInterrupt(int vector, int slot, EventFd eventFd, uint data = 0xC0DE)
    {
        int shift = (Queue & 1) * 16;
        uint ivar = Port.ReadRegister(Registers.IVAR(Queue >> 1));
        ivar &= ~(0xFFFFu << shift);
        ivar |= ((uint)vector | Registers.IvarValid | (((uint)vector | Registers.IvarValid) << 8)) << shift;
        Port.WriteRegister(Registers.IVAR(Queue >> 1), ivar);
        Model.Interrupts.Register(slot, eventFd);
        Port.WriteMsixEntry(vector, Model.Interrupts.SlotAddress(slot), data);
        Port.WriteRegister(Registers.EIMS, Port.ReadRegister(Registers.EIMS) | (1u << vector));
        return this;
    }

    /// <summary>Copies <paramref name="frame"/> into the next TX buffer and posts it (descriptor, then doorbell).</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        uint i = _txTail;
        frame.CopyTo(new Span<byte>(_buffers.Pointer + (i * BufferSize), BufferSize));
        Post(TxDescriptor.ForFrame(TxBuffer(i), (uint)frame.Length));
    }

    /// <summary>Posts a raw descriptor and rings the doorbell.</summary>
    public void Post(TxDescriptor descriptor)
    {
        uint i = _txTail;
        TxRing[i] = descriptor;
        _txTail = (i + 1) % RingSize;
        Port.WriteRegister(Registers.TDT(Queue), _txTail); // release: descriptor first
    }

    public bool TxDone(uint i) => (Volatile.Read(ref TxRing[i].OlinfoStatus) & TxDescriptor.StatusDd) != 0;

    /// <summary>Counts completed TX descriptors (DD) since the last call.</summary>
    public int ReapTx()
    {
        int n = 0;
        while (_txClean != _txTail && TxDone(_txClean))
        {
            _txClean = (_txClean + 1) % RingSize;
            n++;
        }
        return n;
    }

    /// <summary>Takes the next received frame if its descriptor is done, and re-arms it.</summary>
    public bool TryReceive(out byte[] frame, out uint status)
    {
        uint i = _rxNext;
        status = Volatile.Read(ref RxRing[i].WbStatusError); // acquire: pairs with the device's release of status
        if ((status & RxDescriptor.StatusDd) == 0)
        {
            frame = [];
            return false;
        }
        frame = new ReadOnlySpan<byte>(RxBufferHost(i), RxRing[i].WbLength).ToArray();
        RxRing[i] = RxDescriptor.ForBuffer(RxBuffer(i));
        uint tail = Port.ReadRegister(Registers.RDT(Queue));
        Port.WriteRegister(Registers.RDT(Queue), (tail + 1) % RingSize);
        _rxNext = (i + 1) % RingSize;
        return true;
    }

    public List<byte[]> ReceiveAll()
    {
        var list = new List<byte[]>();
        while (TryReceive(out byte[] f, out _))
        {
            list.Add(f);
        }
        return list;
    }

    public void Dispose()
    {
        Model.Bus.Unmap(TxRingRegion);
        Model.Bus.Unmap(RxRingRegion);
        Model.Bus.Unmap(BufferRegion);
        _txRing.Dispose();
        _rxRing.Dispose();
        _buffers.Dispose();
    }
}

internal static class Frames
{
    public static readonly ulong MacA = MacAddress.Parse("02:00:00:00:00:0a");
    public static readonly ulong MacB = MacAddress.Parse("02:00:00:00:00:0b");
    public static readonly ulong MacUnknown = MacAddress.Parse("02:00:00:00:00:99");

    public static byte[] Make(ulong dst, int length, int seed = 0)
    {
        var frame = new byte[length];
        MacAddress.Write(dst, frame);
        MacAddress.Write(MacAddress.Parse("02:00:00:00:00:01"), frame.AsSpan(6));
        frame[12] = 0x88;
        frame[13] = 0xB5;
        for (int i = 14; i < length; i++)
        {
            frame[i] = (byte)(i * 7 + seed);
        }
        return frame;
    }
}
