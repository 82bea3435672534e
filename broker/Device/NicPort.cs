using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// One modelled 82599-like NIC function: BAR0 and the MSI-X table (each a memfd-backed shared mapping,
/// so they can later be handed to a client in DirectMap mode), per-queue TX/RX rings, destination-MAC
/// steering, interrupt moderation and an attached <see cref="Wire"/>. Created by
/// <see cref="DeviceModel.AddPort"/>.
/// </summary>
/// <remarks>
/// Deviation from hardware: the device does not trap register writes; it <em>polls</em> the doorbells
/// (TDT/RDT) and control registers from BAR memory on every step. A driver therefore writes descriptors,
/// then release-stores the tail; the device acquire-loads it. Statistics registers are cumulative, not
/// clear-on-read. Frames to ff:ff:ff:ff:ff:ff are replicated to every queue some valid RAL/RAH filter
/// steers to (as the 82599 replicates broadcasts to every VMDq pool that accepts them), or go to queue 0
/// when no filter is valid; each copy takes its own RX descriptor. Frames to a MAC no filter names
/// (unicast or multicast) are dropped and counted. All device-side work runs on the stepping thread.
/// </remarks>
public sealed unsafe class NicPort : IDisposable
{
    private const uint StatusLinkUp = 1u << 1;

    private readonly BusAddressSpace _bus;
    private readonly BusMaster _dma;
    private readonly MappedMemory _bar0Memory;
    private readonly MappedMemory _msixMemory;
    private readonly MmioRegion _bar0;
    private readonly MmioRegion _msix;
    private readonly TxQueue[] _tx;
    private readonly RxQueue[] _rx;
    private readonly MacFilterTable _filters = new();
    private readonly InterruptModerator _interrupts;
    private readonly TokenBucket? _pacer;
    private readonly FrameBatch _txBatch;
    private readonly PortCounters _counters = new();
    private int _nextTxQueue;
    private bool _filtersStale = true;
    private long _configWrites;          // bumped by WriteRegister: the next step latches every queue
    private long _configWritesSeen = -1;
    private int _stepsSinceFullLatch;
    private ulong _txWatched;            // bit q: TX queue q's enable bit was seen set (latched every step)
    private ulong _rxWatched;
    private long _rxBurst;               // numbers receive bursts for RxQueue.Deliver
    private readonly TxDoorbellPage?[] _doorbells;

    internal NicPort(int index, NicPortOptions options, BusAddressSpace bus, BusMaster dma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.QueueCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.QueueCount, Registers.MaxQueues);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TxBurst);
        ArgumentOutOfRangeException.ThrowIfNegative(options.LineRateBitsPerSecond);
        Index = index;
        Name = options.Name ?? $"port{index}";
        QueueCount = options.QueueCount;
        TxBurst = options.TxBurst;
        _bus = bus;
        _dma = dma;

        Bar0File = Memfd.Create($"mediator-{Name}-bar0", Registers.Bar0Size);
        _bar0Memory = MappedMemory.Map(Bar0File, Registers.Bar0Size, MapAccess.ReadWrite);
        MsixTableFile = Memfd.Create($"mediator-{Name}-msix", MsixEntry.TableSize);
        _msixMemory = MappedMemory.Map(MsixTableFile, MsixEntry.TableSize, MapAccess.ReadWrite);
        _bar0 = new MmioRegion(_bar0Memory.Pointer, Registers.Bar0Size);
        _msix = new MmioRegion(_msixMemory.Pointer, MsixEntry.TableSize);
        for (int v = 0; v < Registers.MsixVectors; v++)
        {
            _msix.Write(v * MsixEntry.Size + 12, MsixEntry.Masked); // entries start masked, as after reset
        }
        _bar0.Write(Registers.STATUS, StatusLinkUp);

        // The BARs are on the bus too: a DMA (or MSI-X message) aimed at them writes registers.
        Bar0Region = bus.Map($"{Name}-bar0", RegionKind.Bar, _bar0Memory.Pointer, Registers.Bar0Size);
        MsixRegion = bus.Map($"{Name}-msix", RegionKind.Bar, _msixMemory.Pointer, MsixEntry.TableSize);

        _tx = new TxQueue[QueueCount];
        _doorbells = new TxDoorbellPage?[QueueCount];
        _rx = new RxQueue[QueueCount];
        for (int q = 0; q < QueueCount; q++)
        {
            int auditQueue = DmaAudit.QueueId(index, q);
            _tx[q] = new TxQueue(q, auditQueue, _bar0, dma, _counters, TxBurst);
            _rx[q] = new RxQueue(q, auditQueue, _bar0, dma, _counters);
        }
        _interrupts = new InterruptModerator(_bar0, _msix, dma, _counters);
        _pacer = options.LineRateBitsPerSecond > 0 ? new TokenBucket(options.LineRateBitsPerSecond) : null;
        _txBatch = new FrameBatch(TxBurst);
    }

    /// <summary>Position among the model's ports.</summary>
    public int Index { get; }

    /// <summary>Name for diagnostics.</summary>
    public string Name { get; }

    /// <summary>Queue pairs.</summary>
    public int QueueCount { get; }

    /// <summary>Per-queue TX burst.</summary>
    public int TxBurst { get; }

    /// <summary>The memfd behind BAR0 (<see cref="Registers.Bar0Size"/> bytes). Use <see cref="ShareBar0"/> to hand it to anyone who will write it.</summary>
    private FileDescriptor Bar0File { get; }

    private bool _bar0Shared; // written by the control plane, read by the stepping thread

    /// <summary>
    /// Hands out BAR0's memfd for a driver to map and write directly (a DirectMap client, a test). From then
    /// on register writes may bypass <see cref="WriteRegister"/>, so every step re-latches the enabled queues.
    /// </summary>
    public FileDescriptor ShareBar0()
    {
        Volatile.Write(ref _bar0Shared, true); // release: the next step's acquire sees it before any mapping can exist
        return Bar0File;
    }

    /// <summary>The memfd behind the MSI-X table (<see cref="MsixEntry.TableSize"/> bytes).</summary>
    public FileDescriptor MsixTableFile { get; }

    /// <summary>BAR0 as a bus region (kind <see cref="RegionKind.Bar"/>).</summary>
    public BusRegion Bar0Region { get; }

    /// <summary>The MSI-X table as a bus region (kind <see cref="RegionKind.Bar"/>).</summary>
    public BusRegion MsixRegion { get; }

    /// <summary>Where this port's transmitted frames go (null: dropped and counted).</summary>
    public Wire? TxWire { get; internal set; }

    /// <summary>Audit queue id of queue <paramref name="queue"/> (for <see cref="DmaAudit.SetQueueOwner"/>).</summary>
    public int AuditQueue(int queue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, QueueCount);
        return DmaAudit.QueueId(Index, queue);
    }

    /// <summary>Driver access: acquire-loads register <paramref name="offset"/> of BAR0.</summary>
    public uint ReadRegister(int offset) => _bar0.Read(offset);

    /// <summary>
    /// Driver access: release-stores register <paramref name="offset"/> (descriptors written before a tail
    /// store are visible to the device first). The device re-latches every queue's configuration and the
    /// address filters at its next step.
    /// </summary>
    public void WriteRegister(int offset, uint value)
    {
        _bar0.Write(offset, value);
        Interlocked.Increment(ref _configWrites); // full fence: the register store is visible before the device sees the new count
    }

    /// <summary>Driver access: release-stores a tail doorbell (TDT/RDT), which the device reads every step anyway.</summary>
    public void WriteTail(int offset, uint value) => _bar0.Write(offset, value); // release: pairs with the device's acquire of the tail

    /// <summary>Driver access: reads and clears EICR atomically (full fence), as the driver's interrupt handler does.</summary>
    public uint TakeInterruptCause() => _bar0.Exchange(Registers.EICR, 0);

    /// <summary>Driver access: writes MSI-X entry <paramref name="vector"/> (mask first, then address and data, then the control word).</summary>
    public void WriteMsixEntry(int vector, ulong address, uint data, bool masked = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vector, Registers.MsixVectors);
        int e = vector * MsixEntry.Size;
        _msix.Write(e + 12, MsixEntry.Masked); // release: the device never sees a half-written unmasked entry
        _msix.Write(e, (uint)address);
        _msix.Write(e + 4, (uint)(address >> 32));
        _msix.Write(e + 8, data);
        _msix.Write(e + 12, masked ? MsixEntry.Masked : 0); // release: pairs with the device's acquire of the control word
    }

    /// <summary>
    /// Model: gives TX queue <paramref name="queue"/> its own doorbell page. From now on the device takes
    /// the queue's tail from the page (starting from the tail TDT holds now) and ignores TDT in BAR0.
    /// Control thread; the queue must not have a page already.
    /// </summary>
    public TxDoorbellPage AttachTxDoorbellPage(int queue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, QueueCount);
        if (_doorbells[queue] != null)
        {
            throw new InvalidOperationException($"TX queue {queue} already has a doorbell page");
        }
        var page = new TxDoorbellPage($"mediator-{Name}-q{queue}-doorbell", queue);
        page.WriteTail(_bar0.Read(Registers.TDT(queue)));
        _doorbells[queue] = page;
        _tx[queue].UseDoorbell(page.Tail);
        return page;
    }

    /// <summary>
    /// Model: takes queue <paramref name="queue"/>'s doorbell page away (the device polls TDT in BAR0
    /// again) and frees it once no step can still be reading it. Idempotent.
    /// </summary>
    public void DetachTxDoorbellPage(int queue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, QueueCount);
        var page = _doorbells[queue];
        if (page == null)
        {
            return;
        }
        _doorbells[queue] = null;
        _tx[queue].UseDoorbell(null);
        _bus.Quiescence.WaitForStepBoundary(); // a step that loaded the old pointer has finished
        page.Free();
    }

    /// <summary>The tail of TX queue <paramref name="queue"/> as the device sees it (doorbell page or TDT).</summary>
    public uint ReadTxTail(int queue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, QueueCount);
        return _tx[queue].ReadTail();
    }

    /// <summary>Model-side counters (drop reasons, MSI-X messages).</summary>
    public PortStatistics Statistics => _counters.Snapshot();

    /// <summary>
    /// Receives a burst from a wire: steers each frame by destination MAC and DMA-writes it into the
    /// chosen RX queue (a broadcast into each filtered queue). Must be called on the stepping thread.
    /// Returns RX descriptors consumed.
    /// </summary>
    public int Receive(FrameBatch frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int delivered = 0;
        ulong touched = 0; // RX queues that consumed a descriptor: causes are raised once per burst
        long burst = ++_rxBurst;
        _dma.BeginAudit(); // a burst may come from outside a step (a test, a source)
        for (int i = 0; i < frames.Count; i++)
        {
            ulong queues = ReceiveOne(frames.FramePointer(i), (uint)frames.FrameLength(i), burst);
            delivered += System.Numerics.BitOperations.PopCount(queues);
            touched |= queues;
        }
        EndRxBurst(touched);
        return delivered;
    }

    /// <summary>Receives one frame (see <see cref="Receive(FrameBatch)"/>); true when some queue took it.</summary>
    public bool Receive(ReadOnlySpan<byte> frame)
    {
        ulong queues;
        _dma.BeginAudit();
        fixed (byte* p = frame)
        {
            queues = ReceiveOne(p, (uint)frame.Length, ++_rxBurst);
        }
        EndRxBurst(queues);
        return queues != 0;
    }

    // Publishes RDH and the counters of every RX queue that took a frame, raises their causes once, and
    // hands the burst's summed DMA records to the audit.
    private void EndRxBurst(ulong queues)
    {
        while (queues != 0)
        {
            int q = System.Numerics.BitOperations.TrailingZeroCount(queues);
            queues &= queues - 1;
            _rx[q].EndBurst();
            _interrupts.QueueCause(q, tx: false, DmaAudit.QueueId(Index, q));
        }
        _dma.FlushAudit();
    }

    /// <summary>Steps between full latches when no driver wrote a register through <see cref="WriteRegister"/>.</summary>
    internal const int FullLatchSteps = 64;

    /// <summary>
    /// Applies the queue enables and ring registers. Called at the start of every step. Every queue, and the
    /// MAC filters, are re-read when a driver wrote a register through <see cref="WriteRegister"/> since the
    /// last step (so a disable or a reprogrammed ring takes effect at once: teardown relies on it), and at
    /// least every <see cref="FullLatchSteps"/> steps. Once BAR0 has been shared (<see cref="ShareBar0"/>),
    /// writes can also arrive straight through a mapping: then the queues the device has seen enabled are
    /// latched every step too, and a newly enabled queue or a new filter is seen within
    /// <see cref="FullLatchSteps"/> steps, as a real NIC takes a while to act on an enable. Until then every
    /// register write goes through <see cref="WriteRegister"/> (mediated and TxDirect clients never get
    /// BAR0, and the device's own DMA writes only where their validated descriptors point), which saves
    /// latching 64 enabled queues every step (a fifth of the broker's time with 64 clients, 2026-11-29).
    /// </summary>
    internal void Latch()
    {
        long writes = Volatile.Read(ref _configWrites); // acquire: pairs with the increment in WriteRegister
        if (writes != _configWritesSeen || ++_stepsSinceFullLatch >= FullLatchSteps)
        {
            _configWritesSeen = writes;
            _stepsSinceFullLatch = 0;
            ulong tx = 0, rx = 0;
            for (int q = 0; q < QueueCount; q++)
            {
                _tx[q].Latch();
                _rx[q].Latch();
                tx |= _tx[q].EnableSeen ? 1UL << q : 0;
                rx |= _rx[q].EnableSeen ? 1UL << q : 0;
            }
            _txWatched = tx;
            _rxWatched = rx;
            _filtersStale = true;
            return;
        }
        if (Volatile.Read(ref _bar0Shared)) // acquire: pairs with ShareBar0
        {
            _txWatched = LatchWatched(_txWatched, tx: true);
            _rxWatched = LatchWatched(_rxWatched, tx: false);
        }
    }

    private ulong LatchWatched(ulong watched, bool tx)
    {
        ulong left = watched;
        while (left != 0)
        {
            int q = System.Numerics.BitOperations.TrailingZeroCount(left);
            left &= left - 1;
            bool seen;
            if (tx)
            {
                _tx[q].Latch();
                seen = _tx[q].EnableSeen;
            }
            else
            {
                _rx[q].Latch();
                seen = _rx[q].EnableSeen;
            }
            if (!seen)
            {
                watched &= ~(1UL << q);
            }
        }
        return watched;
    }

    /// <summary>
    /// Round-robin over enabled TX queues, at most <see cref="TxBurst"/> descriptors each and
    /// <paramref name="budget"/> in all; each queue's burst goes to the wire in one call. One burst per
    /// queue per step keeps each queue's device share in step with the broker's per-queue budget per
    /// round (the evaluation's flooding attacks rely on it). Completion causes are raised once per queue
    /// per step.
    /// </summary>
    internal int StepTransmit(int budget, StepClock clock)
    {
        int work = 0;
        int start = _nextTxQueue;
        ulong causes = 0;
        // The queues whose enable was seen, from `start` up, then those below it (round robin).
        ulong from = _txWatched & (ulong.MaxValue << start);
        ulong below = _txWatched & ~from;
        while (work < budget && (from | below) != 0)
        {
            int q;
            if (from != 0)
            {
                q = System.Numerics.BitOperations.TrailingZeroCount(from);
                from &= from - 1;
            }
            else
            {
                q = System.Numerics.BitOperations.TrailingZeroCount(below);
                below &= below - 1;
            }
            TxQueue tx = _tx[q];
            if (!tx.Enabled)
            {
                continue;
            }
            int done = tx.Process(Math.Min(TxBurst, budget - work), _txBatch, _pacer, clock);
            if (done == 0)
            {
                continue;
            }
            work += done;
            causes |= 1UL << q;
            if (_txBatch.Count > 0)
            {
                Wire? wire = TxWire;
                if (wire != null)
                {
                    wire.Transmit(this, _txBatch);
                }
                else
                {
                    _counters.NoWireDrops += _txBatch.Count;
                }
                _txBatch.Clear();
            }
        }
        while (causes != 0)
        {
            int q = System.Numerics.BitOperations.TrailingZeroCount(causes);
            causes &= causes - 1;
            _interrupts.QueueCause(q, tx: true, DmaAudit.QueueId(Index, q));
        }
        _nextTxQueue = start + 1 < QueueCount ? start + 1 : 0;
        return work;
    }

    /// <summary>Sends the MSI-X messages that are due.</summary>
    internal int ServiceInterrupts(StepClock clock) => _interrupts.Service(clock);

    // Steers and delivers one frame; returns the RX queues whose descriptor it consumed (bit q), 0 if dropped (counted).
    private ulong ReceiveOne(byte* frame, uint length, long burst)
    {
        if (length < 14)
        {
            _counters.RuntDrops++;
            return 0;
        }
        if (_filtersStale)
        {
            _filters.Refresh(_bar0); // lazily, once per step: an idle step reads no filter registers
            _filtersStale = false;
        }
        ulong mac = MacFilterTable.DestinationOf(new ReadOnlySpan<byte>(frame, 6));
        if (mac == MacFilterTable.Broadcast)
        {
            ulong targets = _filters.FilteredQueues;
            if (targets == 0)
            {
                return _rx[0].Deliver(frame, length, burst) ? 1UL : 0;
            }
            ulong took = 0;
            while (targets != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(targets);
                targets &= targets - 1;
                if (b >= QueueCount)
                {
                    _counters.SteeredToBadQueueDrops++;
                }
                else if (_rx[b].Deliver(frame, length, burst))
                {
                    took |= 1UL << b;
                }
            }
            return took;
        }
        int q = _filters.Lookup(mac);
        if (q < 0)
        {
            _counters.UnknownDestinationDrops++;
            return 0;
        }
        if (q >= QueueCount)
        {
            _counters.SteeredToBadQueueDrops++;
            return 0;
        }
        return _rx[q].Deliver(frame, length, burst) ? 1UL << q : 0;
    }

    /// <summary>Takes the BARs off the bus and frees them.</summary>
    public void Dispose()
    {
        for (int q = 0; q < QueueCount; q++)
        {
            DetachTxDoorbellPage(q);
        }
        _bus.Unmap(Bar0Region);
        _bus.Unmap(MsixRegion);
        _bar0Memory.Dispose();
        _msixMemory.Dispose();
        Bar0File.Dispose();
        MsixTableFile.Dispose();
    }
}
