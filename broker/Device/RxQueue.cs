using System.Runtime.CompilerServices;
using Mediator.Native;
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
    private long _burst = -1; // the receive burst _tail and _run belong to
    private uint _tail;       // RDT as last read in this burst
    private RingRun _run;     // translated descriptors of this burst
    private bool _headMoved;  // RDH not yet published for this burst
    private uint _burstFrames;
    private readonly PendingWriteBack[] _pending = new PendingWriteBack[FetchBurst];
    private int _pendingCount;

    public RxQueue(int queue, int auditQueue, MmioRegion bar, BusMaster dma, PortCounters counters)
    {
        _queue = queue;
        _auditQueue = auditQueue;
        _bar = bar;
        _dma = dma;
        _counters = counters;
    }

    public bool Enabled { get; private set; }

    /// <summary>Whether the last latch saw RXDCTL.ENABLE set (the queue may still be refused for a bad ring).</summary>
    public bool EnableSeen => _enableSeen;

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

    /// <summary>Descriptors one run translation may cover (the device fetches RX descriptors in bursts too).</summary>
    public const uint FetchBurst = 64;

    /// <summary>
    /// Delivers one frame of receive burst <paramref name="burst"/> (a number the port changes per burst).
    /// True when a descriptor was consumed and written back (the driver has work, even if the buffer
    /// faulted); false when the frame was dropped (the reason is counted). Call <see cref="EndBurst"/>
    /// once the burst is over if this returned true for some frame of it.
    /// </summary>
    /// <remarks>
    /// RDT is read at the first frame of a burst and again whenever the armed descriptors seen so far run
    /// out; descriptors are translated a run at a time (<see cref="BusMaster.TranslateRun"/>), each read
    /// and write-back still recorded as its own DMA access. RDH and the frame counters are published once
    /// per burst, by <see cref="EndBurst"/>.
    /// </remarks>
    public bool Deliver(byte* frame, uint length, long burst)
    {
        if (!Enabled)
        {
            _counters.DisabledQueueDrops++;
            return false;
        }
        if (burst != _burst)
        {
            _burst = burst;
            _run = default;
            if (!ReadTail())
            {
                return false;
            }
        }
        if (_head == _tail)
        {
            if (!ReadTail()) // the armed descriptors seen so far are used up: look again
            {
                return false;
            }
            if (_head == _tail)
            {
                _counters.NoDescriptorDrops++;
                _bar.Add(Registers.RNBC, 1);
                return false;
            }
        }
        ulong descriptorBus = _ringBase + ((ulong)_head * RxDescriptor.Size);
        if (_head - _run.First >= _run.Count) // unsigned: also true when _head < First
        {
            uint armed = (_tail > _head ? _tail : _count) - _head; // up to the tail, or to the ring's end when it wrapped
            uint bytes = _dma.TranslateRun(descriptorBus, RxDescriptor.Size, Math.Min(armed, FetchBurst) * RxDescriptor.Size, out byte* runHost, out BusRegion? region);
            if (bytes == 0)
            {
                _dma.RecordFault(_auditQueue, DmaOp.Read, descriptorBus, RxDescriptor.Size);
                _counters.DescriptorFetchFaults++;
                _bar.Add(Registers.DMAERR, 1);
                Enabled = false;
                return false;
            }
            _run = new RingRun(_head, bytes / RxDescriptor.Size, runHost, region!);
        }
        byte* host = _run.Host + ((ulong)(_head - _run.First) * RxDescriptor.Size);
        // The one read of the descriptor (plain: the acquire of RDT ordered it after the driver's writes).
        ulong buffer = Unsafe.ReadUnaligned<ulong>(host);
        _dma.Record(_auditQueue, DmaOp.Read, descriptorBus, RxDescriptor.Size, _run.Region);
        uint n = length;
        uint status = RxDescriptor.StatusDd | RxDescriptor.StatusEop;
        if (n > _bufferSize)
        {
            n = _bufferSize;
            status |= RxDescriptor.ErrorRxe;
            _counters.RxTruncated++;
        }
        bool written = _dma.Write(_auditQueue, buffer, frame, n);
        if (!written)
        {
            n = 0;
            status |= RxDescriptor.ErrorRxe;
            _counters.DmaFaults++;
            _bar.Add(Registers.DMAERR, 1);
        }
        // The write-back waits for the end of the burst, after the audit has counted this frame's accesses.
        if (_pendingCount == _pending.Length)
        {
            Publish();
        }
        _pending[_pendingCount++] = new PendingWriteBack(host, descriptorBus, _run.Region, n, status);
        _head = _head + 1 == _count ? 0 : _head + 1;
        _headMoved = true;
        if (written)
        {
            _burstFrames++;
            _counters.RxBytes += n;
        }
        return true;
    }

    /// <summary>
    /// Publishes the burst: the audit's records of it, then each descriptor's write-back (one 16-byte DMA
    /// write, status last with release, so the frame and length are visible before DD), then RDH (release)
    /// and the frame counters.
    /// </summary>
    public void EndBurst() => Publish();

    private void Publish()
    {
        StreamingStore.Fence(); // the frames' streaming stores (BusMaster.Write) become visible before any DD below
        _dma.FlushAudit(); // the audit counts every access made for these frames before the driver can see one DD
        for (int i = 0; i < _pendingCount; i++)
        {
            ref PendingWriteBack w = ref _pending[i];
            _dma.Record(_auditQueue, DmaOp.Write, w.Bus, RxDescriptor.Size, w.Region);
            BusMaster.WriteBackAt(w.Host, 0, w.Length, w.Status);
            _dma.Wrote(w.Region, w.Host, RxDescriptor.Size);
            w = default;
        }
        _pendingCount = 0;
        if (_headMoved)
        {
            _headMoved = false;
            _bar.Write(Registers.RDH(_queue), _head); // release: pairs with the driver's acquire of RDH
        }
        if (_burstFrames != 0)
        {
            _counters.RxFrames += _burstFrames;
            _bar.Add(Registers.GPRC, _burstFrames);
            _bar.Add(Registers.QPRC(_queue), _burstFrames);
            _burstFrames = 0;
        }
    }

    // Acquire-loads RDT (pairs with the driver's release store after arming descriptors); false, counted, when it is outside the ring.
    private bool ReadTail()
    {
        uint tail = _bar.Read(Registers.RDT(_queue));
        if (tail >= _count)
        {
            _counters.BadTailDoorbells++;
            _tail = _head; // nothing armed as far as the device knows
            return false;
        }
        _tail = tail;
        return true;
    }

    // A descriptor write-back held until the end of the burst (host address inside this burst's run).
    private readonly struct PendingWriteBack
    {
        public PendingWriteBack(byte* host, ulong bus, BusRegion region, uint length, uint status)
        {
            Host = host;
            Bus = bus;
            Region = region;
            Length = length;
            Status = status;
        }

        public byte* Host { get; }
        public ulong Bus { get; }
        public BusRegion Region { get; }
        public uint Length { get; }
        public uint Status { get; }
    }
}
