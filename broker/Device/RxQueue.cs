using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// The device side of one RX ring: latched configuration and the head the device owns. Each frame
/// steered here takes the descriptor at RDH if the driver armed it (RDH != RDT): the frame is written
/// to its buffer by DMA (cut to the SRRCTL size, flagged RXE), the descriptor written back with
/// DD|EOP and the length, and RDH advanced. With no armed descriptor the frame is dropped (RNBC).
/// </summary>
/// <remarks>
/// Model limits: no holding FIFO (a frame that finds no descriptor is dropped at once, counted);
/// SRRCTL.BSIZEPACKET 0 means 2 KiB. A buffer address that does not translate counts in DMAERR and
/// the descriptor is still written back (length 0, RXE) so the driver can reclaim it.
/// </remarks>
internal sealed unsafe class RxQueue
{
    private const uint DefaultBufferSize = 2048;

    private readonly int _queue;
    private readonly int _auditQueue;
    private readonly MmioRegion _bar;
    private readonly BusMaster _dma;
    private readonly PortCounters _counters;
    private bool _enableSeen;
    private ulong _ringBase;
    private uint _count;
    private uint _head;
    private uint _bufferSize;

    public RxQueue(int queue, int auditQueue, MmioRegion bar, BusMaster dma, PortCounters counters)
    {
        _queue = queue;
        _auditQueue = auditQueue;
        _bar = bar;
        _dma = dma;
        _counters = counters;
    }

    public bool Enabled { get; private set; }

    /// <summary>Applies RXDCTL: latches ring and buffer size on a 0→1 enable edge, stops on 1→0.</summary>
    public void Latch()
    {
        bool enable = (_bar.Read(Registers.RXDCTL(_queue)) & Registers.QueueEnable) != 0; // acquire: pairs with the driver's store
        if (enable == _enableSeen && !(enable && Reprogrammed()))
        {
            return;
        }
        _enableSeen = enable;
        Enabled = false;
        if (!enable)
        {
            return;
        }
        ulong ringBase = _bar.Read(Registers.RDBAL(_queue)) | ((ulong)_bar.Read(Registers.RDBAH(_queue)) << 32);
        uint length = _bar.Read(Registers.RDLEN(_queue));
        if (length == 0 || length % 128 != 0 || (ringBase & 127) != 0)
        {
            _counters.QueueConfigErrors++;
            return;
        }
        uint units = _bar.Read(Registers.SRRCTL(_queue)) & 0x1F;
        _bufferSize = units == 0 ? DefaultBufferSize : units * 1024;
        _ringBase = ringBase;
        _count = length / RxDescriptor.Size;
        _head = _bar.Read(Registers.RDH(_queue));
        if (_head >= _count)
        {
            _head = 0;
            _bar.Write(Registers.RDH(_queue), 0);
        }
        Enabled = true;
    }

    /// <summary>
    /// Whether the driver rewrote the ring registers (base, length, or head reset) while the queue
    /// looked enabled to us: a disable and re-enable we never saw between two steps (a device thread
    /// that slept through a queue's reuse). We then latch again rather than walk a stale ring.
    /// </summary>
    private bool Reprogrammed()
    {
        ulong ringBase = _bar.Read(Registers.RDBAL(_queue)) | ((ulong)_bar.Read(Registers.RDBAH(_queue)) << 32);
        return ringBase != _ringBase
            || _bar.Read(Registers.RDLEN(_queue)) / RxDescriptor.Size != _count
            || _bar.Read(Registers.RDH(_queue)) != _head;
    }

    /// <summary>
    /// Delivers one frame. True when a descriptor was consumed and written back (the driver has work,
    /// even if the buffer faulted); false when the frame was dropped (the reason is counted).
    /// </summary>
    public bool Deliver(byte* frame, uint length)
    {
        if (!Enabled)
        {
            _counters.DisabledQueueDrops++;
            return false;
        }
        uint tail = _bar.Read(Registers.RDT(_queue)); // acquire: pairs with the driver's release store of RDT after arming descriptors
        if (tail >= _count)
        {
            _counters.BadTailDoorbells++;
            return false;
        }
        if (_head == tail)
        {
            _counters.NoDescriptorDrops++;
            _bar.Add(Registers.RNBC, 1);
            return false;
        }
        ulong descriptorBus = _ringBase + ((ulong)_head * RxDescriptor.Size);
        RxDescriptor d;
        if (!_dma.Read(_auditQueue, descriptorBus, &d, RxDescriptor.Size))
        {
            _counters.DescriptorFetchFaults++;
            _bar.Add(Registers.DMAERR, 1);
            Enabled = false;
            return false;
        }
        uint n = length;
        uint status = RxDescriptor.StatusDd | RxDescriptor.StatusEop;
        if (n > _bufferSize)
        {
            n = _bufferSize;
            status |= RxDescriptor.ErrorRxe;
            _counters.RxTruncated++;
        }
        bool written = _dma.Write(_auditQueue, d.PacketBufferAddress, frame, n);
        if (!written)
        {
            n = 0;
            status |= RxDescriptor.ErrorRxe;
            _counters.DmaFaults++;
            _bar.Add(Registers.DMAERR, 1);
        }
        // Status last, with release (inside WriteBack): the frame and length are visible before DD.
        _dma.WriteBack(_auditQueue, descriptorBus, 0, n, status);
        _head = _head + 1 == _count ? 0 : _head + 1;
        _bar.Write(Registers.RDH(_queue), _head); // release: pairs with the driver's acquire of RDH
        if (!written)
        {
            return true;
        }
        _counters.RxFrames++;
        _counters.RxBytes += n;
        _bar.Add(Registers.GPRC, 1);
        _bar.Add(Registers.QPRC(_queue), 1);
        return true;
    }
}
