using System.Runtime.CompilerServices;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// The device side of one TX ring: latched configuration and the head the device owns. Walks the
/// descriptors the driver posted (TDH..TDT), fetching each by DMA, copying its frame into the port's
/// packet buffer, writing back DD when RS asks, then publishing the new TDH.
/// </summary>
/// <remarks>
/// A frame is the run of data descriptors up to the one with EOP (at most <see cref="MaxSegments"/>
/// buffers, gathered into one packet-buffer slot); a frame whose EOP descriptor is not posted yet waits
/// until it is. DD is written back to the descriptors with RS. Model limits: context descriptors and
/// offloads are not modelled. Configuration (TDBAL/TDBAH/TDLEN) is latched when the
/// enable bit is seen going from 0 to 1; a descriptor fetch fault stops the queue until the driver
/// toggles TXDCTL.ENABLE off and on again.
/// </remarks>
internal sealed unsafe class TxQueue
{
    /// <summary>Most buffers (descriptors) one frame may span; a longer run without EOP is dropped as malformed.</summary>
    public const int MaxSegments = 8;

    private readonly int _queue;
    private readonly int _auditQueue;
    private readonly MmioRegion _bar;
    private readonly BusMaster _dma;
    private readonly PortCounters _counters;
    private bool _enableSeen;
    private ulong _ringBase;
    private uint _count;
    private uint _head;
    private nint _doorbellTail; // model: a doorbell page's tail word, or 0 to poll TDT in BAR0
    // The descriptors of the frame being assembled (a field, not stackalloc, so the JIT can tier Process up with PGO).
    private readonly TxDescriptor[] _segmentArray = GC.AllocateArray<TxDescriptor>(MaxSegments, pinned: true);
    private readonly TxDescriptor* _segments;
    // The DD status to write back into each descriptor consumed by the current Process call (0: no RS).
    private readonly uint[] _writeBacks;

    public TxQueue(int queue, int auditQueue, MmioRegion bar, BusMaster dma, PortCounters counters, int burst)
    {
        _writeBacks = new uint[burst + MaxSegments];
        _queue = queue;
        _auditQueue = auditQueue;
        _bar = bar;
        _dma = dma;
        _counters = counters;
        _segments = (TxDescriptor*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_segmentArray)); // pinned: stable
    }

    public bool Enabled { get; private set; }

    /// <summary>Whether the last latch saw TXDCTL.ENABLE set (the queue may still be refused for a bad ring).</summary>
    public bool EnableSeen => _enableSeen;

    /// <summary>
    /// Model: takes the tail from <paramref name="tail"/> (a doorbell page) instead of BAR0's TDT, or
    /// from TDT again when null. Any thread; the engine sees the change at its next <see cref="Process"/>.
    /// </summary>
    public void UseDoorbell(uint* tail) => Volatile.Write(ref _doorbellTail, (nint)tail); // release: pairs with the acquire in Process

    /// <summary>The tail the driver posted, from the doorbell page or BAR0.</summary>
    public uint ReadTail()
    {
        uint* page = (uint*)Volatile.Read(ref _doorbellTail); // acquire: pairs with the release in UseDoorbell
        // Acquire: pairs with the driver's release store of the tail after its descriptor writes.
        return page != null ? Volatile.Read(ref *page) : _bar.Read(Registers.TDT(_queue));
    }

    /// <summary>Applies TXDCTL: latches the ring on a 0→1 enable edge, stops the queue on 1→0.</summary>
    public void Latch()
    {
        bool enable = (_bar.Read(Registers.TXDCTL(_queue)) & Registers.QueueEnable) != 0; // acquire: pairs with the driver's store
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
        ulong ringBase = _bar.Read(Registers.TDBAL(_queue)) | ((ulong)_bar.Read(Registers.TDBAH(_queue)) << 32);
        uint length = _bar.Read(Registers.TDLEN(_queue));
        if (length == 0 || length % 128 != 0 || (ringBase & 127) != 0)
        {
            _counters.QueueConfigErrors++;
            return;
        }
        _ringBase = ringBase;
        _count = length / TxDescriptor.Size;
        _head = _bar.Read(Registers.TDH(_queue));
        if (_head >= _count)
        {
            _head = 0;
            _bar.Write(Registers.TDH(_queue), 0);
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
        ulong ringBase = _bar.Read(Registers.TDBAL(_queue)) | ((ulong)_bar.Read(Registers.TDBAH(_queue)) << 32);
        return ringBase != _ringBase
            || _bar.Read(Registers.TDLEN(_queue)) / TxDescriptor.Size != _count
            || _bar.Read(Registers.TDH(_queue)) != _head;
    }

    /// <summary>
    /// Processes up to <paramref name="budget"/> posted descriptors into <paramref name="batch"/>;
    /// returns descriptors consumed (frames sent, skipped or faulted alike).
    /// </summary>
    /// <remarks>
    /// Descriptors are fetched in bursts, as the 82599 prefetches them: a run of up to
    /// <see cref="FetchBurst"/> posted descriptors is translated once (<see cref="BusMaster.TranslateRun"/>)
    /// and each descriptor is then read from it once and recorded as its own DMA read; DD write-backs
    /// into the same run use that translation too. A run ends at the tail, the ring's end or the end of
    /// the region the ring base points into, so a descriptor past the region faults exactly as before.
    /// </remarks>
    public int Process(int budget, FrameBatch batch, TokenBucket? pacer, StepClock clock)
    {
        uint tail = ReadTail(); // acquire: pairs with the driver's release store of the tail after its descriptor writes
        if (tail >= _count)
        {
            _counters.BadTailDoorbells++; // untrusted index: never read outside the ring
            return 0;
        }
        TxDescriptor* segments = _segments;
        RingRun run = default;
        uint head = _head;
        int done = 0;
        int sent = 0;
        long bytes = 0;
        while (head != tail && done < budget && !batch.IsFull)
        {
            // Fetch the frame's descriptors, up to EOP.
            int n = 0;
            uint length = 0;
            bool eop = false;
            bool fault = false;
            uint at = head;
            while (at != tail && n < MaxSegments)
            {
                if (!Fetch(ref run, at, tail, &segments[n]))
                {
                    fault = true;
                    break;
                }
                length += segments[n].CmdTypeLen & TxDescriptor.LengthMask;
                eop = (segments[n].CmdTypeLen & TxDescriptor.CmdEop) != 0;
                n++;
                at = at + 1 == _count ? 0 : at + 1;
                if (eop)
                {
                    break;
                }
            }
            if (fault)
            {
                _counters.DescriptorFetchFaults++;
                _bar.Add(Registers.DMAERR, 1);
                Enabled = false; // a ring that does not translate cannot be walked
                break;
            }
            if (!eop && n < MaxSegments)
            {
                break; // the frame's last buffer is not posted yet
            }
            if (eop && pacer != null && !pacer.TryConsume(length, clock.Now))
            {
                _counters.PacingStalls++;
                break; // leave it posted; the next step retries once the line has time
            }
            if (!eop || length == 0 || length > FrameBatch.MaxFrameSize)
            {
                _counters.TxMalformed++;
            }
            else if (n == 1 ? _dma.Read(_auditQueue, segments[0].BufferAddress, batch.ReservePointer(), length) : Gather(segments, n, batch.ReservePointer()))
            {
                batch.CommitReserved(length);
                sent++;
                bytes += length;
            }
            else
            {
                _counters.DmaFaults++;
                _bar.Add(Registers.DMAERR, 1); // skip the frame, but still hand the descriptors back
            }
            for (int i = 0; i < n; i++)
            {
                // The frame is in the device's buffer now, so the driver may reuse its buffers (once DD is written back).
                _writeBacks[done + i] = (segments[i].CmdTypeLen & TxDescriptor.CmdRs) != 0 ? segments[i].OlinfoStatus | TxDescriptor.StatusDd : 0;
                head = head + 1 == _count ? 0 : head + 1;
            }
            done += n;
        }
        if (done > 0)
        {
            // The audit counts every access made for these frames before the driver can see one DD.
            _dma.FlushAudit();
            WriteBack(_head, done);
            _head = head;
            _bar.Write(Registers.TDH(_queue), head); // release: pairs with the driver's acquire of TDH; DD stores precede it
            if (sent > 0)
            {
                _counters.TxFrames += sent;
                _counters.TxBytes += bytes;
                _bar.Add(Registers.GPTC, (uint)sent);
                _bar.Add(Registers.QPTC(_queue), (uint)sent);
            }
        }
        return done;
    }

    /// <summary>Descriptors one burst fetch may cover.</summary>
    public const uint FetchBurst = 64;

    // Reads descriptor `at` (posted: tail is not reached) from the current run, translating a new run
    // from `at` when it lies outside; false (fault recorded) when the descriptor does not translate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Fetch(ref RingRun run, uint at, uint tail, TxDescriptor* into)
    {
        ulong bus = DescriptorBus(at);
        if (at - run.First >= run.Count && !NewRun(ref run, at, tail, bus)) // unsigned: also true when at < First
        {
            return false;
        }
        // The one read of this descriptor: a private copy from here on (plain: the tail's acquire ordered it).
        *into = Unsafe.ReadUnaligned<TxDescriptor>(run.Host + ((ulong)(at - run.First) * TxDescriptor.Size));
        _dma.Record(_auditQueue, DmaOp.Read, bus, TxDescriptor.Size, run.Region);
        return true;
    }

    // Translates the run of posted descriptors starting at `at`; false (fault recorded) when `at` does not translate.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool NewRun(ref RingRun run, uint at, uint tail, ulong bus)
    {
        uint posted = (tail > at ? tail : _count) - at; // up to the tail, or to the ring's end when it wrapped
        uint bytes = _dma.TranslateRun(bus, TxDescriptor.Size, Math.Min(posted, FetchBurst) * TxDescriptor.Size, out byte* host, out BusRegion? region);
        if (bytes == 0)
        {
            _dma.RecordFault(_auditQueue, DmaOp.Read, bus, TxDescriptor.Size);
            return false;
        }
        run = new RingRun(at, bytes / TxDescriptor.Size, host, region!);
        return true;
    }

    // Writes DD back into the descriptors of the RS flags recorded in _writeBacks, `done` of them from
    // ring index `first` on, in ring order: one translation per contiguous run (the 82599 writes back in
    // bursts too), each status word its own DMA write with release.
    private void WriteBack(uint first, int done)
    {
        uint at = first;
        int i = 0;
        while (i < done)
        {
            uint run = Math.Min((uint)(done - i), _count - at);
            ulong bus = DescriptorBus(at);
            uint translated = _dma.TranslateRun(bus, TxDescriptor.Size, run * TxDescriptor.Size, out byte* host, out BusRegion? region) / TxDescriptor.Size;
            for (uint k = 0; k < run; k++, i++)
            {
                uint status = _writeBacks[i];
                if (status == 0)
                {
                    continue;
                }
                ulong word = bus + (k * TxDescriptor.Size) + 12;
                if (k < translated)
                {
                    byte* p = host + (k * TxDescriptor.Size) + 12;
                    _dma.Record(_auditQueue, DmaOp.Write, word, sizeof(uint), region!);
                    BusMaster.StoreRelease32(p, status); // release: pairs with the driver's acquire of DD
                    _dma.Wrote(region!, p, sizeof(uint));
                }
                else
                {
                    _dma.Write32(_auditQueue, word, status); // does not translate: recorded as a fault
                }
            }
            at = at + run == _count ? 0 : at + run;
        }
    }

    private ulong DescriptorBus(uint index) => _ringBase + ((ulong)index * TxDescriptor.Size);

    /// <summary>Reads every buffer of a frame by DMA into <paramref name="into"/>; false if one does not translate.</summary>
    private bool Gather(TxDescriptor* segments, int n, byte* into)
    {
        for (int i = 0; i < n; i++)
        {
            uint length = segments[i].CmdTypeLen & TxDescriptor.LengthMask;
            if (length != 0 && !_dma.Read(_auditQueue, segments[i].BufferAddress, into, length))
            {
                return false;
            }
            into += length;
        }
        return true;
    }
}
