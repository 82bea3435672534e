using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mediator.Broker.Device;

/// <summary>
/// A device-internal packet buffer: room for a fixed number of frames of up to <see cref="MaxFrameSize"/>
/// bytes in one pinned array. Frames are packed one after another (each at a multiple of 64 bytes from the first), so a
/// burst of small frames stays in a few KiB of cache instead of one 9.5 KiB slot each. A port fills one
/// per TX burst and hands it to its wire in a single call; sources (generators, a TAP) fill one and hand
/// it to <see cref="NicPort.Receive(FrameBatch)"/>. No allocation after construction.
/// </summary>
public sealed unsafe class FrameBatch
{
    /// <summary>Largest frame the model carries (jumbo, FCS excluded).</summary>
    public const int MaxFrameSize = 9728;

    private readonly byte[] _data;
    private readonly byte* _base;
    private readonly int[] _lengths;
    private readonly int[] _offsets;
    private int _used; // bytes of _data taken by the frames held (line aligned)

    /// <summary>Creates a batch of <paramref name="capacity"/> slots.</summary>
    public FrameBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 4096);
        _data = GC.AllocateUninitializedArray<byte>(capacity * MaxFrameSize, pinned: true);
        _base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data)); // pinned: stable
        _lengths = new int[capacity];
        _offsets = new int[capacity];
    }

    /// <summary>Slots.</summary>
    public int Capacity => _lengths.Length;

    /// <summary>Frames held.</summary>
    public int Count { get; private set; }

    /// <summary>Whether every slot is used.</summary>
    public bool IsFull => Count == _lengths.Length;

    /// <summary>Frame <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count);
            return new ReadOnlySpan<byte>(_base + _offsets[index], _lengths[index]);
        }
    }

    /// <summary>The next free slot (all <see cref="MaxFrameSize"/> bytes); <see cref="Commit"/> makes it a frame.</summary>
    public Span<byte> Reserve() => new(ReservePointer(), MaxFrameSize);

    /// <summary>Turns the reserved slot into a frame of <paramref name="length"/> bytes.</summary>
    public void Commit(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxFrameSize);
        if (IsFull)
        {
            throw new InvalidOperationException("batch full");
        }
        CommitReserved((uint)length);
    }

    /// <summary>Copies <paramref name="frame"/> in; false when full or too long.</summary>
    public bool TryAdd(ReadOnlySpan<byte> frame)
    {
        if (IsFull || frame.Length == 0 || frame.Length > MaxFrameSize)
        {
            return false;
        }
        frame.CopyTo(Reserve());
        CommitReserved((uint)frame.Length);
        return true;
    }

    /// <summary>Empties the batch.</summary>
    public void Clear()
    {
        Count = 0;
        _used = 0;
    }

    // Every frame takes at most MaxFrameSize (a multiple of 64) rounded up to a line, so while a slot is
    // free the next frame always fits: the array holds Capacity × MaxFrameSize bytes.
    internal byte* ReservePointer()
    {
        if (IsFull)
        {
            throw new InvalidOperationException("batch full");
        }
        return _base + _used;
    }

    // Makes the reserved bytes a frame; the caller checked 0 < length <= MaxFrameSize and that a slot is free.
    internal void CommitReserved(uint length)
    {
        int i = Count;
        _offsets[i] = _used;
        _lengths[i] = (int)length;
        _used += (int)((length + 63) & ~63u);
        Count = i + 1;
    }

    internal byte* FramePointer(int index) => _base + _offsets[index];

    internal int FrameLength(int index) => _lengths[index];
}
