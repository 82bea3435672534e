using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;
using Mediator.Rings;

namespace Mediator.Client;

/// <summary>
/// One queue pair served by the broker: a UMEM of frames and four rings in shared memory, in the
/// manner of an AF_XDP socket. Two layers:
/// <list type="bullet">
/// <item>the <b>batch API</b> (<see cref="ReserveTx"/>/<see cref="TxSlot"/>/<see cref="SubmitTx"/>,
/// <see cref="PeekCompletions"/>/<see cref="CompletionAt"/>/<see cref="ReleaseCompletions"/>, and the same
/// for fill and RX): zero-copy, one shared-index store per batch; the caller owns the frames;</item>
/// <item>the <b>simple API</b> (<see cref="TrySend"/>, <see cref="TryReceive"/>, <see cref="Refill"/>):
/// copies through frames from the built-in <see cref="Frames"/> allocator.</item>
/// </list>
/// </summary>
/// <remarks>
/// Not thread-safe: one thread drives the data path (like an AF_XDP socket). The data path makes no
/// system call unless the broker said it sleeps (need-wakeup), allocates nothing and takes no lock.
/// </remarks>
public sealed unsafe class ClientQueue : IDisposable
{
    private readonly MediatorClient _client;
    private readonly QueueMapping _mapping;
    private readonly RingProducer<TxRequest> _tx;
    private readonly RingProducer<FillEntry> _fill;
    private readonly RingConsumer<Completion> _completions;
    private readonly RingConsumer<Completion> _rx;
    private readonly EventFd _txKick;
    private readonly EventFd _fillKick;
    private readonly EventFd _rxNotify;
    private readonly EventFd _txNotify;
    private readonly EventFd _rxCancel = new();
    private readonly EventFd _completionCancel = new();
    private readonly byte* _umem;
    private readonly ulong _umemSize;
    private readonly uint _frameSize;
    private readonly ulong _frameMask;
    private readonly byte[] _mac = new byte[6];
    private readonly long[] _refusedByStatus = new long[RefusalSlots];
    private long _sent;
    private long _completed;
    private long _refused;
    private long _received;
    private long _kicks;
    private long _invalidCompletions;
    private long _truncated;
    private int _postedForRx; // frames lent to the broker through the fill ring, not yet back on RX
    private bool _disposed;

    private const int RefusalSlots = (int)RequestStatus.DeviceError + 1;

    internal ClientQueue(MediatorClient client, in OpenQueueReply reply, QueueMapping mapping)
    {
        _client = client;
        _mapping = mapping;
        QueueId = reply.QueueId;
        DeviceQueue = reply.DeviceQueue;
        Geometry = reply.Geometry;
        fixed (byte* mac = reply.Mac)
        {
            new ReadOnlySpan<byte>(mac, 6).CopyTo(_mac);
        }
        var layout = mapping.Layout;
        byte* c = mapping.ClientArea.Pointer;
        byte* b = mapping.BrokerArea.Pointer;
        // Wiring per QueueLayout: each index line lives in the area only its owner can write.
        _tx = new RingProducer<TxRequest>(c + QueueLayout.TxProducer, b + QueueLayout.TxConsumer, c + QueueLayout.TxEntries, Geometry.TxSize);
        _fill = new RingProducer<FillEntry>(c + QueueLayout.FillProducer, b + QueueLayout.FillConsumer, c + layout.FillEntries, Geometry.FillSize);
        _completions = new RingConsumer<Completion>(b + QueueLayout.CompletionProducer, c + QueueLayout.CompletionConsumer, b + QueueLayout.CompletionEntries, Geometry.CompletionSize);
        _rx = new RingConsumer<Completion>(b + QueueLayout.RxProducer, c + QueueLayout.RxConsumer, b + layout.RxEntries, Geometry.RxSize);
        _txKick = mapping.TxKick;
        _fillKick = mapping.FillKick;
        _rxNotify = mapping.RxNotify;
        _txNotify = mapping.TxNotify;
        _umem = mapping.Umem.Pointer;
        _umemSize = Geometry.UmemSize;
        _frameSize = Geometry.FrameSize;
        _frameMask = ~((ulong)Geometry.FrameSize - 1);
        Frames = new FrameAllocator(Geometry.FrameCount, Geometry.FrameSize);
        // Lend the broker half the frames (at most a fill ring's worth); the rest stay for TX.
        FillTarget = (int)Math.Min(Geometry.FrameCount / 2, Geometry.FillSize);
    }

    /// <summary>The queue's id on this connection.</summary>
    public uint QueueId { get; }

    /// <summary>The device queue pair that serves this queue.</summary>
    public uint DeviceQueue { get; }

    /// <summary>The geometry the broker granted (may be smaller than asked for).</summary>
    public QueueGeometry Geometry { get; }

    /// <summary>The MAC address the broker assigned: frames to it arrive here, and frames must be sent from it.</summary>
    public ReadOnlySpan<byte> Mac => _mac;

    /// <summary>The whole UMEM, mapped read-write (lengths above 2 GiB: use <see cref="Frame"/>).</summary>
    public Span<byte> Umem => new(_umem, (int)Math.Min(_umemSize, int.MaxValue));

    /// <summary>The frames of the UMEM not in use; the simple API takes and returns frames here.</summary>
    public FrameAllocator Frames { get; }

    /// <summary>How many frames <see cref="Refill"/> keeps lent to the broker for receiving.</summary>
    public int FillTarget { get; }

    /// <summary>Frames currently lent to the broker for receiving.</summary>
    public int PostedForReceive => _postedForRx;

    /// <summary>TX requests submitted.</summary>
    public long Sent => _sent;

    /// <summary>TX completions with status Ok reaped by <see cref="ReapCompletions"/>.</summary>
    public long Completed => _completed;

    /// <summary>TX completions with a refusal status reaped by <see cref="ReapCompletions"/>.</summary>
    public long Refused => _refused;

    /// <summary>Frames received through <see cref="TryReceive"/>.</summary>
    public long Received => _received;

    /// <summary>Eventfd signals sent to the broker (TX and fill kicks).</summary>
    public long Kicks => _kicks;

    /// <summary>Received frames cut short because the destination was smaller.</summary>
    public long Truncated => _truncated;

    /// <summary>Completions or RX entries whose status, offset or length made no sense (counted, skipped).</summary>
    public long InvalidEntries => _invalidCompletions;

    /// <summary>Refused TX completions (and RX entries) by <see cref="RequestStatus"/>; index with the status value.</summary>
    public ReadOnlySpan<long> RefusedByStatus => _refusedByStatus;

    /// <summary>Refusals counted for one status.</summary>
    public long RefusedCount(RequestStatus status) => (uint)status < RefusalSlots ? _refusedByStatus[(int)status] : 0;

    internal QueueMapping Mapping => _mapping;

    // ---- Batch API: TX ----------------------------------------------------------------------

    /// <summary>Reserves up to <paramref name="n"/> TX slots; returns how many and the first slot's index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReserveTx(uint n, out uint index) => _tx.Reserve(n, out index);

    /// <summary>The TX slot at free-running <paramref name="index"/> (from <see cref="ReserveTx"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TxRequest TxSlot(uint index) => ref _tx[index];

    /// <summary>Publishes <paramref name="n"/> filled TX slots; signals the broker only if it sleeps.</summary>
    public void SubmitTx(uint n)
    {
        _tx.Submit(n);
        _sent += n;
        if (_tx.ConsumerNeedsWakeup())
        {
            _txKick.Signal();
            _kicks++;
        }
    }

    // ---- Batch API: completions ---------------------------------------------------------------

    /// <summary>Completions ready, up to <paramref name="max"/>, and the first one's index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint PeekCompletions(uint max, out uint index) => _completions.Peek(max, out index);

    /// <summary>A copy of the completion at free-running <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Completion CompletionAt(uint index) => _completions.Read(index);

    /// <summary>Gives <paramref name="n"/> peeked completions back to the broker.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseCompletions(uint n) => _completions.Release(n);

    // ---- Batch API: fill ----------------------------------------------------------------------

    /// <summary>Reserves up to <paramref name="n"/> fill slots; returns how many and the first slot's index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReserveFill(uint n, out uint index) => _fill.Reserve(n, out index);

    /// <summary>The fill slot at free-running <paramref name="index"/> (from <see cref="ReserveFill"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref FillEntry FillSlot(uint index) => ref _fill[index];

    /// <summary>Lends <paramref name="n"/> filled fill slots' frames to the broker; signals it only if it sleeps.</summary>
    public void SubmitFill(uint n)
    {
        _fill.Submit(n);
        _postedForRx += (int)n;
        if (_fill.ConsumerNeedsWakeup())
        {
            _fillKick.Signal();
            _kicks++;
        }
    }

    // ---- Batch API: RX ------------------------------------------------------------------------

    /// <summary>Received frames ready, up to <paramref name="max"/>, and the first one's index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint PeekRx(uint max, out uint index) => _rx.Peek(max, out index);

    /// <summary>A copy of the RX entry at free-running <paramref name="index"/>: the frame's offset and length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Completion RxAt(uint index) => _rx.Read(index);

    /// <summary>
    /// Gives <paramref name="n"/> peeked RX entries back. Their frames are the caller's now: post them
    /// on the fill ring again or free them to <see cref="Frames"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseRx(uint n)
    {
        _rx.Release(n);
        _postedForRx -= (int)n;
    }

    /// <summary>
    /// <paramref name="length"/> bytes of the UMEM at <paramref name="offset"/>, bounds-checked
    /// (overflow-safe) against the UMEM.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(ulong offset, int length)
    {
        if (offset > _umemSize || length < 0 || (ulong)length > _umemSize - offset)
        {
            ThrowHelper.OutOfUmem(offset, length, _umemSize);
        }
        return new Span<byte>(_umem + offset, length);
    }

    // ---- Simple API ---------------------------------------------------------------------------

    /// <summary>
    /// Reaps TX completions: frames of finished requests go back to <see cref="Frames"/>, refusals are
    /// counted by status. A FrameNotOwned refusal keeps its frame allocated: that frame still belongs
    /// to the earlier request that is in flight. Returns the completions reaped.
    /// </summary>
    public uint ReapCompletions(uint max = uint.MaxValue)
    {
        uint n = _completions.Peek(max, out uint index);
        for (uint i = 0; i < n; i++)
        {
            Completion c = _completions.Read(index + i); // one fetch, then use the copy
            if (c.Status == (ushort)RequestStatus.Ok)
            {
                _completed++;
            }
            else
            {
                _refused++;
                if (c.Status < RefusalSlots)
                {
                    _refusedByStatus[c.Status]++;
                }
                else
                {
                    _invalidCompletions++;
                }
                if (c.Status == (ushort)RequestStatus.FrameNotOwned)
                {
                    continue;
                }
            }
            if (Frames.TryFree(c.Offset & _frameMask) != FreeResult.Freed)
            {
                _invalidCompletions++;
            }
        }
        if (n != 0)
        {
            _completions.Release(n);
        }
        return n;
    }

    /// <summary>
    /// Copies <paramref name="frame"/> into a free frame and submits it. Reaps completions first so
    /// finished frames are reused. False when no frame or no TX slot is free (try again later).
    /// </summary>
    /// <exception cref="ArgumentException">The frame is empty or longer than a UMEM frame.</exception>
    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty || (uint)frame.Length > _frameSize)
        {
            ThrowHelper.BadFrameLength(frame.Length, _frameSize);
        }
        ReapCompletions();
        if (_tx.Reserve(1, out uint index) == 0 || !Frames.TryAllocate(out ulong offset))
        {
            return false;
        }
        frame.CopyTo(new Span<byte>(_umem + offset, frame.Length));
        ref TxRequest slot = ref _tx[index];
        slot.Offset = offset;
        slot.Length = (uint)frame.Length;
        slot.Options = 0;
        SubmitTx(1);
        return true;
    }

    /// <summary>
    /// Sends up to <paramref name="count"/> frames laid end to end in <paramref name="frames"/>, each
    /// <paramref name="frameLength"/> bytes, with one ring publication and at most one kick. Returns how
    /// many were submitted (fewer when frames or TX slots run out).
    /// </summary>
    public int SendBatch(ReadOnlySpan<byte> frames, int frameLength, int count)
    {
        if (frameLength <= 0 || (uint)frameLength > _frameSize)
        {
            ThrowHelper.BadFrameLength(frameLength, _frameSize);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)frameLength * count > frames.Length)
        {
            ThrowHelper.BatchTooShort(frames.Length, frameLength, count);
        }
        ReapCompletions();
        uint wanted = (uint)Math.Min(count, Frames.Available);
        uint n = _tx.Reserve(wanted, out uint index);
        for (uint i = 0; i < n; i++)
        {
            Frames.TryAllocate(out ulong offset); // cannot fail: n <= Available
            frames.Slice((int)i * frameLength, frameLength).CopyTo(new Span<byte>(_umem + offset, frameLength));
            ref TxRequest slot = ref _tx[index + i];
            slot.Offset = offset;
            slot.Length = (uint)frameLength;
            slot.Options = 0;
        }
        if (n != 0)
        {
            SubmitTx(n);
        }
        return (int)n;
    }

    /// <summary>
    /// Copies the next received frame into <paramref name="destination"/> and at once lends its buffer
    /// back to the broker on the fill ring. False when nothing is waiting. A frame longer than
    /// <paramref name="destination"/> is cut (and counted in <see cref="Truncated"/>).
    /// </summary>
    public bool TryReceive(Span<byte> destination, out int length)
    {
        while (_rx.Peek(1, out uint index) != 0)
        {
            Completion entry = _rx.Read(index); // one fetch of the entry, then checks on the copy
            _rx.Release(1);
            _postedForRx--;
            ulong frameStart = entry.Offset & _frameMask;
            if (entry.Offset >= _umemSize || entry.Length > _frameSize - (entry.Offset - frameStart))
            {
                _invalidCompletions++; // not a buffer of ours: nothing to return
                continue;
            }
            bool ok = entry.Status == (ushort)RequestStatus.Ok;
            if (ok)
            {
                int n = (int)Math.Min(entry.Length, (uint)destination.Length);
                new ReadOnlySpan<byte>(_umem + entry.Offset, n).CopyTo(destination);
                if (n < entry.Length)
                {
                    _truncated++;
                }
                length = n;
                _received++;
            }
            else
            {
                _invalidCompletions++;
                length = 0;
            }
            Repost(frameStart);
            if (ok)
            {
                return true;
            }
        }
        length = 0;
        return false;
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until the broker has taken every fill entry posted so
    /// far; the broker releases fill entries only after arming them at the device, so afterwards a
    /// frame addressed to this queue finds a buffer. Used once when a queue opens, so that a first
    /// frame sent at once is not dropped for want of an RX buffer. Returns whether all were taken.
    /// </summary>
    public bool WaitUntilFillTaken(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var spin = new SpinWait();
        while (_fill.Outstanding() != 0)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }
            spin.SpinOnce(); // control path, once per queue: yields and then sleeps briefly
        }
        return true;
    }

    /// <summary>
    /// Tops the fill ring up from <see cref="Frames"/> until <see cref="FillTarget"/> frames are lent to
    /// the broker (or frames or fill slots run out). One publication and at most one kick. Returns the
    /// frames posted.
    /// </summary>
    public int Refill()
    {
        int missing = FillTarget - _postedForRx;
        if (missing <= 0)
        {
            return 0;
        }
        uint wanted = (uint)Math.Min(missing, Frames.Available);
        uint n = _fill.Reserve(wanted, out uint index);
        for (uint i = 0; i < n; i++)
        {
            Frames.TryAllocate(out ulong offset);
            _fill[index + i].Offset = offset;
        }
        if (n != 0)
        {
            SubmitFill(n);
        }
        return (int)n;
    }

    private void Repost(ulong frameStart)
    {
        if (_fill.Reserve(1, out uint index) == 1)
        {
            _fill[index].Offset = frameStart;
            SubmitFill(1);
        }
        else if (Frames.TryFree(frameStart) != FreeResult.Freed)
        {
            _invalidCompletions++;
        }
    }

    // ---- Blocking waits -----------------------------------------------------------------------

    /// <summary>
    /// Waits until a received frame is ready or <paramref name="timeout"/> passes; true when one is.
    /// Tops up the fill ring first so the broker has buffers to receive into. Polls first; sleeps on
    /// the RX eventfd only after announcing it (need-wakeup), so a busy broker makes no system call.
    /// </summary>
    public bool WaitForRx(TimeSpan timeout)
    {
        Refill();
        return Wait(_rx, _rxNotify, null, ControlChannel.ToMilliseconds(timeout), default);
    }

    /// <summary>Waits until a TX completion is ready or <paramref name="timeout"/> passes; true when one is.</summary>
    public bool WaitForCompletions(TimeSpan timeout) =>
        Wait(_completions, _txNotify, null, ControlChannel.ToMilliseconds(timeout), default);

    /// <summary>
    /// <see cref="WaitForRx"/> without blocking the caller. When nothing is ready it costs a
    /// thread-pool thread blocked in <c>poll(2)</c> for the wait, plus a task; prefer busy polling or
    /// the synchronous wait on a dedicated thread at high packet rates. Do not use the queue's RX side
    /// from another thread until it completes. Cancellation wakes the poll through a private eventfd.
    /// </summary>
    public ValueTask<bool> WaitForRxAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Refill();
        return WaitAsync(_rx, _rxNotify, _rxCancel, timeout, cancellationToken);
    }

    /// <summary>Asynchronous <see cref="WaitForCompletions"/>; same costs and rules as <see cref="WaitForRxAsync"/>.</summary>
    public ValueTask<bool> WaitForCompletionsAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitAsync(_completions, _txNotify, _completionCancel, timeout, cancellationToken);

    private static ValueTask<bool> WaitAsync(RingConsumer<Completion> ring, EventFd notify, EventFd cancel, TimeSpan timeout, CancellationToken token)
    {
        int timeoutMs = ControlChannel.ToMilliseconds(timeout);
        if (token.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(token);
        }
        if (ring.Available() != 0)
        {
            return new ValueTask<bool>(true); // ready: no thread, no allocation
        }
        return new ValueTask<bool>(Task.Run(() =>
        {
            using var registration = token.CanBeCanceled ? token.Register(cancel.Signal) : default;
            return Wait(ring, notify, cancel, timeoutMs, token);
        }, CancellationToken.None));
    }

    private static bool Wait(RingConsumer<Completion> ring, EventFd notify, EventFd? cancel, int timeoutMs, CancellationToken token)
    {
        if (ring.Available() != 0)
        {
            return true;
        }
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        Span<int> fds = [notify.Handle.Fd, cancel?.Handle.Fd ?? -1];
        while (true)
        {
            // Announce the sleep, fence, re-check: the broker either sees the flag or we see its entries.
            if (ring.PrepareToSleep())
            {
                ring.ClearNeedWakeup();
                return true;
            }
            int remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            int woke = Poller.WaitAnyReadable(cancel is null ? fds[..1] : fds, remaining);
            ring.ClearNeedWakeup(); // polling again: the broker need not signal
            if (woke == 0)
            {
                notify.TryConsume();
            }
            if (ring.Available() != 0)
            {
                return true;
            }
            if (woke == 1)
            {
                cancel!.TryConsume();
                token.ThrowIfCancellationRequested();
                // A stale cancel signal from an earlier wait: keep waiting.
            }
            else if (woke < 0)
            {
                return false;
            }
            // Woken by a stale notification (an old count): sleep again until the deadline.
        }
    }

    /// <summary>
    /// Closes the queue: tells the broker (if the connection is alive), unmaps both areas and the
    /// UMEM and closes every descriptor. Idempotent. Do not touch spans from <see cref="Frame"/> after.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _client.CloseQueue(this);
        _mapping.Dispose();
        _rxCancel.Dispose();
        _completionCancel.Dispose();
    }
}
