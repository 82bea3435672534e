using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Nic;

namespace Mediator.Client.Unsafe;

/// <summary>
/// The transmit half of the 82599 driver (ixgbe's <c>ixgbe_xmit_frame_ring</c> and
/// <c>ixgbe_clean_tx_irq</c>, in the shape of ixy's <c>tx_batch</c>): advanced data descriptors with
/// EOP|IFCS|RS|DEXT written straight into the device TX ring at <c>UMEM bus address + offset</c>, one TDT
/// doorbell per batch, and reaping by the DD bit the device writes back. Free-running 32-bit indices:
/// <c>_tail</c> counts descriptors posted, <c>_clean</c> descriptors reaped; the ring holds at most size − 1.
/// </summary>
internal sealed unsafe class IxgbeTxQueue
{
    private readonly DirectQueue _queue;
    private readonly TxDescriptor* _ring;
    private readonly uint _size;
    private readonly uint _mask;
    private readonly TxRequest[] _shadow; // what each posted descriptor carries, to free its frame on DD
    private readonly FrameAllocator _frames;
    private readonly ulong _umemBus;
    private readonly ulong _frameMask;
    private uint _tail;
    private uint _clean;

    public IxgbeTxQueue(DirectQueue queue)
    {
        _queue = queue;
        fixed (TxDescriptor* ring = queue.TxRing)
        {
            _ring = ring; // the mapping outlives this object (both belong to the DirectQueue)
        }
        _size = queue.TxRingSize;
        _mask = _size - 1;
        _shadow = new TxRequest[_size];
        _frames = queue.Queue.Frames;
        _umemBus = queue.UmemBusAddress;
        _frameMask = ~((ulong)queue.Queue.Geometry.FrameSize - 1);
    }

    /// <summary>Descriptors posted.</summary>
    public long Sent { get; private set; }

    /// <summary>Descriptors the device wrote DD into, reaped.</summary>
    public long Completed { get; private set; }

    /// <summary>Descriptors at the device, not reaped yet.</summary>
    public uint InFlight => _tail - _clean;

    /// <summary>Free descriptor slots, up to <paramref name="n"/>, and the first slot's free-running index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Reserve(uint n, out uint index)
    {
        index = _tail;
        return Math.Min(n, _size - 1 - (_tail - _clean));
    }

    /// <summary>The request to turn into the descriptor of free-running slot <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TxRequest Slot(uint index) => ref _shadow[index & _mask];

    /// <summary>Writes <paramref name="n"/> reserved slots as descriptors, then one TDT doorbell (release).</summary>
    public void Submit(uint n)
    {
        uint tail = _tail;
        for (uint i = 0; i < n; i++, tail++)
        {
            ref TxRequest r = ref _shadow[tail & _mask];
            _ring[tail & _mask] = TxDescriptor.ForFrame(_umemBus + r.Offset, r.Length);
        }
        _tail = tail;
        Sent += n;
        _queue.WriteTxTail(tail & _mask);
    }

    /// <summary>
    /// Reaps descriptors the device is done with (DD set, in ring order): their frames go back to the
    /// allocator. Returns how many.
    /// </summary>
    public uint Clean(uint max = uint.MaxValue)
    {
        uint clean = _clean;
        uint n = 0;
        // Acquire on the status word: pairs with the device's release write-back, so DD implies it read the frame.
        while (clean != _tail && n < max && (Volatile.Read(ref _ring[clean & _mask].OlinfoStatus) & TxDescriptor.StatusDd) != 0)
        {
            _frames.TryFree(_shadow[clean & _mask].Offset & _frameMask);
            clean++;
            n++;
        }
        _clean = clean;
        Completed += n;
        return n;
    }

    /// <summary>Copies <paramref name="frame"/> into a free frame and posts it; false when no frame or slot is free.</summary>
    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        Clean();
        if (Reserve(1, out uint index) == 0 || !_frames.TryAllocate(out ulong offset))
        {
            return false;
        }
        frame.CopyTo(_queue.Queue.Frame(offset, frame.Length));
        ref TxRequest slot = ref Slot(index);
        slot.Offset = offset;
        slot.Length = (uint)frame.Length;
        Submit(1);
        return true;
    }

    /// <summary>Posts up to <paramref name="count"/> frames of <paramref name="frameLength"/> bytes laid end to end; one doorbell.</summary>
    public int SendBatch(ReadOnlySpan<byte> frames, int frameLength, int count)
    {
        Clean();
        uint n = Reserve((uint)Math.Min(count, _frames.Available), out uint index);
        for (uint i = 0; i < n; i++)
        {
            _frames.TryAllocate(out ulong offset);
            frames.Slice((int)i * frameLength, frameLength).CopyTo(_queue.Queue.Frame(offset, frameLength));
            ref TxRequest slot = ref Slot(index + i);
            slot.Offset = offset;
            slot.Length = (uint)frameLength;
        }
        if (n != 0)
        {
            Submit(n);
        }
        return (int)n;
    }
}
