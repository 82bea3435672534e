using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Nic;

namespace Mediator.Client.Unsafe;

/// <summary>
/// The receive half of the 82599 driver (ixgbe's <c>ixgbe_clean_rx_irq</c> and
/// <c>ixgbe_alloc_rx_buffers</c>, in the shape of ixy's <c>rx_batch</c>): one-buffer advanced RX
/// descriptors armed with <c>UMEM bus address + offset</c> and an RDT doorbell; frames found by the DD
/// bit of the write-back, with their length and RXE. Free-running indices: <c>_armed</c> counts
/// descriptors armed (RDT), <c>_next</c> descriptors handed to the caller.
/// </summary>
internal sealed unsafe class IxgbeRxQueue
{
    private readonly DirectQueue _queue;
    private readonly RxDescriptor* _ring;
    private readonly uint _size;
    private readonly uint _mask;
    private readonly FillEntry[] _shadow; // the frame each armed descriptor points at
    private readonly FrameAllocator _frames;
    private readonly ulong _umemBus;
    private uint _armed;
    private uint _next;

    public IxgbeRxQueue(DirectQueue queue)
    {
        _queue = queue;
        fixed (RxDescriptor* ring = queue.RxRing)
        {
            _ring = ring;
        }
        _size = queue.RxRingSize;
        _mask = _size - 1;
        _shadow = new FillEntry[_size];
        _frames = queue.Queue.Frames;
        _umemBus = queue.UmemBusAddress;
        FillTarget = (int)Math.Min(queue.Queue.Geometry.FrameCount / 2, _size - 1);
    }

    /// <summary>Frames <see cref="Refill"/> keeps armed.</summary>
    public int FillTarget { get; }

    /// <summary>Descriptors armed and not yet handed to the caller.</summary>
    public int Armed => (int)(_armed - _next);

    /// <summary>Frames received and handed to the caller.</summary>
    public long Received { get; private set; }

    /// <summary>Received frames ready (DD set, in ring order), up to <paramref name="max"/>, and the first one's index.</summary>
    public uint Peek(uint max, out uint index)
    {
        index = _next;
        uint n = 0;
        uint limit = Math.Min(max, _armed - _next);
        // Acquire: pairs with the device's release write-back of the status; length is read after it.
        while (n < limit && (Volatile.Read(ref _ring[(_next + n) & _mask].WbStatusError) & RxDescriptor.StatusDd) != 0)
        {
            n++;
        }
        return n;
    }

    /// <summary>The frame at free-running <paramref name="index"/> (from <see cref="Peek"/>): offset, length, status.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Completion At(uint index)
    {
        ref RxDescriptor d = ref _ring[index & _mask];
        uint status = Volatile.Read(ref d.WbStatusError);
        return new Completion
        {
            Offset = _shadow[index & _mask].Offset,
            Length = d.WbLength,
            Status = (ushort)((status & RxDescriptor.ErrorRxe) != 0 ? RequestStatus.DeviceError : RequestStatus.Ok),
        };
    }

    /// <summary>Hands <paramref name="n"/> peeked frames to the caller: re-arm them (<see cref="SubmitFill"/>) or free them.</summary>
    public void Release(uint n)
    {
        _next += n;
        Received += n;
    }

    /// <summary>Descriptor slots free to arm, up to <paramref name="n"/>, and the first one's index.</summary>
    public uint ReserveFill(uint n, out uint index)
    {
        index = _armed;
        return Math.Min(n, _size - 1 - (_armed - _next));
    }

    /// <summary>The frame to arm in free-running slot <paramref name="index"/> (from <see cref="ReserveFill"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref FillEntry FillSlot(uint index) => ref _shadow[index & _mask];

    /// <summary>Writes <paramref name="n"/> reserved slots as RX descriptors, then one RDT doorbell (release).</summary>
    public void SubmitFill(uint n)
    {
        uint armed = _armed;
        for (uint i = 0; i < n; i++, armed++)
        {
            _ring[armed & _mask] = RxDescriptor.ForBuffer(_umemBus + _shadow[armed & _mask].Offset);
        }
        _armed = armed;
        _queue.WriteRxTail(armed & _mask);
    }

    /// <summary>Arms frames from the allocator until <see cref="FillTarget"/> are armed; returns how many.</summary>
    public int Refill()
    {
        int missing = FillTarget - Armed;
        if (missing <= 0)
        {
            return 0;
        }
        uint n = ReserveFill((uint)Math.Min(missing, _frames.Available), out uint index);
        for (uint i = 0; i < n; i++)
        {
            _frames.TryAllocate(out ulong offset);
            _shadow[(index + i) & _mask].Offset = offset;
        }
        if (n != 0)
        {
            SubmitFill(n);
        }
        return (int)n;
    }

    /// <summary>Copies the next frame into <paramref name="destination"/> and re-arms its buffer; false when none is ready.</summary>
    public bool TryReceive(Span<byte> destination, out int length)
    {
        length = 0;
        if (Peek(1, out uint index) == 0)
        {
            return false;
        }
        Completion c = At(index);
        int n = (int)Math.Min(c.Length, (uint)destination.Length);
        _queue.Queue.Frame(c.Offset, n).CopyTo(destination);
        Release(1);
        if (ReserveFill(1, out uint fill) == 1)
        {
            FillSlot(fill).Offset = c.Offset;
            SubmitFill(1);
        }
        else
        {
            _frames.Free(c.Offset);
        }
        length = n; // a frame the device cut (RXE: longer than the buffer) comes back cut
        return true;
    }
}
