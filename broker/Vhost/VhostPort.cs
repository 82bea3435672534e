using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;
using Mediator.Native;
using Mediator.Rings;
using Mediator.Vhost;

namespace Mediator.Broker.Vhost;

/// <summary>
/// The in-broker client of a vhost-user port's queue. It sits on the client side of an ordinary broker
/// queue (its UMEM never leaves the broker) and runs on the data-path thread as part of each round:
/// <see cref="PumpTx"/> copies each validated guest TX frame (minus the virtio-net header) into a UMEM
/// frame and posts a TX request, which the broker then validates, polices and sends like any client's;
/// it keeps the fill ring stocked and recycles completions. <see cref="PumpRx"/> copies each frame of
/// the queue's RX ring into the guest's next RX buffer chain, writes the header, returns the chain in the
/// used ring and signals the call eventfd if the guest wants it. It also arms the queue's fill entries
/// at the device itself (the re-arm worker does not serve a vhost port). One copy of the guest's bytes each
/// way, as DPDK's own vhost back end does (a policy that checks headers adds the TX path's header copy,
/// which guards nothing here: no client can write this queue's UMEM); the guest's memory is touched only
/// here, on the data-path thread.
/// </summary>
internal sealed unsafe class VhostPort
{
    private const ulong KickTagBase = 0x5648_0000_0000_0000UL; // "VH": distinct from fd and vector tags

    private readonly QueueSession _session;
    private readonly SessionSet _dataPath;
    private readonly RingProducer<TxRequest> _tx;
    private readonly RingConsumer<Completion> _completions;
    private readonly RingProducer<FillEntry> _fill;
    private readonly RingConsumer<Completion> _rx;
    private readonly byte* _umem;
    private readonly int _frameShift;
    private readonly uint _frameSize;
    private readonly uint _frameCount;
    private readonly uint[] _free; // free UMEM frame numbers (a stack)
    private readonly int _rxLimit; // most frames lent to the RX side at once, so TX always has frames
    private readonly ChainSegment[] _segments;
    private readonly uint _budget;
    private int _freeCount;
    private int _rxHeld;
    private VhostRings? _rings; // data path only
    private ulong _kickTag;     // the TX kick registered with the data path's epoll, 0: none
    private Handover? _handover; // control thread → data path

    private sealed class Handover(VhostRings? rings)
    {
        public VhostRings? Rings { get; } = rings;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Attaches to <paramref name="session"/>'s client side (before the session reaches the data path).</summary>
    public VhostPort(QueueSession session, SessionSet dataPath, uint budget)
    {
        _session = session;
        _dataPath = dataPath;
        _budget = budget;
        var g = session.Geometry;
        byte* c = session.Memory.ClientArea.Pointer;
        byte* b = session.Memory.BrokerArea.Pointer;
        var layout = session.Layout;
        _tx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, g.TxSize);
        _fill = new RingProducer<FillEntry>(c + QueueLayout.FillProducer, b + QueueLayout.FillConsumer, c + layout.FillEntries, g.FillSize);
        _completions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, g.CompletionSize);
        _rx = new RingConsumer<Completion>(b + QueueLayout.RxProducer, c + QueueLayout.RxConsumer, b + layout.RxEntries, g.RxSize);
        _umem = session.Memory.Umem.Pointer;
        _frameShift = g.FrameShift;
        _frameSize = g.FrameSize;
        _frameCount = g.FrameCount;
        _free = new uint[g.FrameCount];
        for (uint i = 0; i < g.FrameCount; i++)
        {
            _free[i] = g.FrameCount - 1 - i;
        }
        _freeCount = (int)g.FrameCount;
        _rxLimit = (int)Math.Min(g.FrameCount / 2, g.FillSize * 2);
        _segments = new ChainSegment[VirtqLayout.MaxSize];
    }

    /// <summary>The queue's data-path counters (the port's refusals are counted there).</summary>
    internal QueueCounters Counters => _session.DataPathCounters;

    /// <summary>
    /// Hands <paramref name="rings"/> (null: stop every ring) to the data path and waits until it has
    /// let go of the previous set (control thread). After this returns the previous rings' memory,
    /// eventfds and indices are the control thread's again: no copy into or out of them is in progress.
    /// </summary>
    public void Install(VhostRings? rings, TimeSpan timeout)
    {
        var handover = new Handover(rings);
        // Release: the snapshot is complete before the data path can see it (pairs with the acquire
        // load in TakeHandover).
        Volatile.Write(ref _handover, handover);
        _dataPath.Wake();
        if (!handover.Done.Task.Wait(timeout))
        {
            throw new TimeoutException("the data path did not take the vhost-user rings in time");
        }
    }

    /// <summary>
    /// The TX half of a round (data path, before the broker's TX intake): takes a handover, reaps
    /// completions, stocks the fill ring and takes guest TX frames. Returns the work done.
    /// </summary>
    public int PumpTx()
    {
        // Acquire (one load per round): pairs with the release store in Install; the exchange in
        // TakeHandover then takes the snapshot.
        if (Volatile.Read(ref _handover) is not null)
        {
            TakeHandover();
        }
        int work = ReapCompletions();
        work += StockFill();
        // The port's fill entries are armed here, on the data path, not by the re-arm worker: a front
        // end that busy-polls both cores (testpmd) would starve that thread, and the device's RX ring
        // would run dry while buffers wait in the fill ring.
        work += RxRearm.Run(_session, _budget);
        if (_rings is { Tx: { } tx } rings)
        {
            work += TakeGuestTx(tx, rings);
        }
        return work;
    }

    /// <summary>The RX half of a round (data path, after the broker's RX delivery): frames into guest buffers.</summary>
    public int PumpRx()
    {
        uint n = _rx.Peek(_budget, out uint index);
        if (n == 0)
        {
            return 0;
        }
        var rings = _rings;
        var rxq = rings?.Rx;
        uint guestReady = rxq?.Ready(n) ?? 0;
        ulong umemSize = (ulong)_frameCount << _frameShift;
        uint delivered = 0;
        for (uint i = 0; i < n; i++)
        {
            Completion entry = _rx.Read(index + i);
            _rxHeld--;
            if (entry.Offset >= umemSize)
            {
                continue; // impossible from the broker's own RX path; never index outside the UMEM
            }
            uint frame = (uint)(entry.Offset >> _frameShift);
            if (entry.Status == (ushort)RequestStatus.Ok && entry.Length != 0 && entry.Length <= _frameSize - (uint)(entry.Offset & (_frameSize - 1)))
            {
                if (guestReady == 0)
                {
                    Counters.Increment(QueueCounter.VhostRxNoGuestBuffer);
                }
                else
                {
                    guestReady--;
                    delivered += DeliverOne(rxq!, rings!, _umem + entry.Offset, entry.Length) ? 1u : 0u;
                }
            }
            if (_freeCount < _free.Length)
            {
                _free[_freeCount++] = frame;
            }
        }
        _rx.Release(n);
        Counters.Add(QueueCounter.VhostRxFrames, delivered); // once per burst, not per frame
        if (rxq is not null && rxq.PublishUsed())
        {
            Signal(rings!.RxCall);
        }
        return (int)n;
    }

    /// <summary>
    /// Before the data path sleeps: asks the guest to kick TX (clears NO_NOTIFY), fences, and re-checks
    /// every source of work. True when the data path must not sleep long (work arrived, or the front end
    /// asked to be polled).
    /// </summary>
    public bool PrepareToSleep()
    {
        // Acquire: a handover posted before Install's wake must not be slept through (pairs with its release store).
        bool busy = Volatile.Read(ref _handover) is not null || _completions.Available() != 0 || _rx.Available() != 0;
        if (_rings is { Tx: { } tx } rings)
        {
            tx.SetNoNotify(false);
            busy |= tx.HasNewAvail() || rings.TxKick is null;
        }
        return busy;
    }

    /// <summary>After a sleep: polling again, so the guest need not kick.</summary>
    public void ClearNeedWakeup() => _rings?.Tx?.SetNoNotify(true);

    /// <summary>
    /// The queue leaves the data path (data path, before its teardown): unregisters the kick and lets go of
    /// the rings; a pending handover completes, so the control thread never waits on a removed queue.
    /// </summary>
    public void Detach()
    {
        // Frames whose guest chains were already completed but which never reached the device or the
        // guest are counted, so nothing is lost silently: TX requests the broker had not taken yet (its
        // intake stopped when the queue started closing) are Cancelled; RX entries not yet copied into
        // a guest buffer had no guest to go to.
        Counters.Add(QueueCounter.Cancelled, _tx.Outstanding());
        Counters.Add(QueueCounter.VhostRxNoGuestBuffer, _rx.Available());
        UnregisterKick();
        _rings = null;
        // Full fence (exchange): takes a pending handover exactly once, against TakeHandover on this
        // thread and a concurrent Install's release store.
        Interlocked.Exchange(ref _handover, null)?.Done.TrySetResult();
    }

    private void TakeHandover()
    {
        // Full fence (exchange, so also acquire): pairs with the release store in Install; the snapshot's
        // fields are complete, and the handover is taken exactly once.
        var handover = Interlocked.Exchange(ref _handover, null);
        if (handover is null)
        {
            return;
        }
        UnregisterKick();
        _rings = handover.Rings;
        if (_rings is { } rings)
        {
            rings.Rx?.SetNoNotify(true); // RX buffers are looked for when frames arrive, never on a kick
            rings.Tx?.SetNoNotify(true);
            if (rings.TxKick is { } kick)
            {
                _kickTag = KickTagBase | (uint)kick.Handle.Fd;
                _dataPath.AddWakeSource(kick, _kickTag);
            }
        }
        handover.Done.TrySetResult();
    }

    private void UnregisterKick()
    {
        if (_kickTag != 0)
        {
            _dataPath.RemoveWakeSource(_kickTag);
            _kickTag = 0;
        }
    }

    private int ReapCompletions()
    {
        uint n = _completions.Peek(_completions.Size, out uint index);
        if (n == 0)
        {
            return 0;
        }
        for (uint i = 0; i < n; i++)
        {
            // The broker's own completion: its status was counted by the TX path; the frame is ours again.
            ulong frame = _completions[index + i].Offset >> _frameShift;
            if (frame < _frameCount && _freeCount < _free.Length)
            {
                _free[_freeCount++] = (uint)frame;
            }
        }
        _completions.Release(n);
        return (int)n;
    }

    private int StockFill()
    {
        int want = Math.Min(_freeCount, _rxLimit - _rxHeld);
        if (want <= 0)
        {
            return 0;
        }
        uint n = _fill.Reserve((uint)want, out uint index);
        if (n == 0)
        {
            return 0;
        }
        for (uint i = 0; i < n; i++)
        {
            _fill[index + i] = new FillEntry { Offset = (ulong)_free[--_freeCount] << _frameShift };
        }
        _rxHeld += (int)n;
        _fill.Submit(n); // armed by RxRearm.Run on this thread, right after: no kick
        return (int)n;
    }

    private int TakeGuestTx(SplitVirtqueue tx, VhostRings rings)
    {
        uint ready = tx.Ready(_budget);
        if (ready == 0)
        {
            return 0;
        }
        uint n = Math.Min(Math.Min(ready, _budget), (uint)_freeCount);
        n = _tx.Reserve(n, out uint slot);
        if (n == 0)
        {
            return 0; // no frame or no TX slot: the chains wait for completions
        }
        var memory = rings.Memory;
        uint header = (uint)rings.HeaderSize;
        uint posted = 0;
        for (uint i = 0; i < n; i++)
        {
            ushort head = tx.TakeHead();
            // The whole chain is walked (bounded by the ring size), so a loop is told from a long chain.
            var refusal = tx.ReadChain(head, deviceWrites: false, memory, _segments, ulong.MaxValue, out int count, out ulong total);
            if (refusal == VirtqRefusal.None && (total < header || total - header > _frameSize))
            {
                refusal = VirtqRefusal.BadLength;
            }
            if (refusal != VirtqRefusal.None)
            {
                Counters.Increment(QueueCounter.VhostTxRefused);
                Counters.Increment(VirtqRefusals.CounterFor(refusal));
            }
            else
            {
                uint frame = _free[_freeCount - 1];
                uint length = Gather(_umem + ((ulong)frame << _frameShift), count, header);
                _freeCount--;
                _tx[slot + posted] = new TxRequest { Offset = (ulong)frame << _frameShift, Length = length };
                posted++;
            }
            tx.PutUsed(head, 0); // the frame is copied: the guest's buffer is free now, sent or refused
        }
        Counters.Add(QueueCounter.VhostTxFrames, posted);
        _tx.Submit(posted); // the broker's TX intake runs next in this round, on this thread: no kick
        if (tx.PublishUsed())
        {
            Signal(rings.TxCall);
        }
        return (int)n;
    }

    /// <summary>Copies the chain in <see cref="_segments"/>, minus its first <paramref name="skip"/> bytes, to <paramref name="frame"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Gather(byte* frame, int count, uint skip)
    {
        ref ChainSegment first = ref MemoryMarshal.GetArrayDataReference(_segments);
        if (count == 1)
        {
            // The common chain (header and frame in one buffer, as virtio-user sends them): one copy.
            // ReadChain and the length check in TakeGuestTx guarantee skip <= Length.
            uint n = first.Length - skip;
            Unsafe.CopyBlockUnaligned(frame, first.Host + skip, n);
            return n;
        }
        return GatherSegments(frame, count, skip);
    }

    private uint GatherSegments(byte* frame, int count, uint skip)
    {
        uint length = 0;
        for (int s = 0; s < count; s++)
        {
            var seg = _segments[s];
            uint n = seg.Length;
            byte* from = seg.Host;
            if (skip != 0)
            {
                uint k = Math.Min(skip, n);
                skip -= k;
                from += k;
                n -= k;
            }
            if (n != 0)
            {
                Unsafe.CopyBlockUnaligned(frame + length, from, n);
                length += n;
            }
        }
        return length;
    }

    /// <summary>Copies one frame into the guest's next RX chain; true when the chain took it (false: refused and counted).</summary>
    private bool DeliverOne(SplitVirtqueue rxq, VhostRings rings, byte* frame, uint length)
    {
        uint header = (uint)rings.HeaderSize;
        ushort head = rxq.TakeHead();
        var refusal = rxq.ReadChain(head, deviceWrites: true, rings.Memory, _segments, header + (ulong)length, out int count, out ulong total);
        if (refusal == VirtqRefusal.None && total < header + (ulong)length)
        {
            refusal = VirtqRefusal.BadLength;
        }
        if (refusal != VirtqRefusal.None)
        {
            Counters.Increment(QueueCounter.VhostRxRefused);
            Counters.Increment(VirtqRefusals.CounterFor(refusal));
            rxq.PutUsed(head, 0);
            return false;
        }
        // The header: no offloads negotiated, so all zero but num_buffers = 1 (one chain per frame).
        VirtioNetHeader h = default;
        h.NumBuffers = 1;
        uint total32 = header + length;
        ref ChainSegment first = ref MemoryMarshal.GetArrayDataReference(_segments);
        if (first.Length >= total32)
        {
            // The common chain (one buffer big enough for header and frame): two copies, no loop.
            Unsafe.CopyBlockUnaligned(first.Host, &h, header);
            Unsafe.CopyBlockUnaligned(first.Host + header, frame, length);
        }
        else
        {
            ScatterSegments(count, (byte*)&h, header, frame, total32);
        }
        rxq.PutUsed(head, total32);
        return true;
    }

    /// <summary>Writes the header, then the frame, across the chain in <see cref="_segments"/> (a chain of several buffers).</summary>
    private void ScatterSegments(int count, byte* hp, uint header, byte* frame, uint total32)
    {
        uint written = 0;
        for (int s = 0; s < count && written < total32; s++)
        {
            var seg = _segments[s];
            uint room = Math.Min(seg.Length, total32 - written);
            uint at = 0;
            if (written < header)
            {
                uint k = Math.Min(header - written, room);
                Unsafe.CopyBlockUnaligned(seg.Host, hp + written, k);
                at = k;
                written += k;
            }
            if (at < room)
            {
                Unsafe.CopyBlockUnaligned(seg.Host + at, frame + (written - header), room - at);
                written += room - at;
            }
        }
    }

    private void Signal(EventFd? call)
    {
        if (call is not null)
        {
            call.Signal();
            Counters.Increment(QueueCounter.Notifications);
        }
    }
}
