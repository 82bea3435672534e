using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mediator.Broker.Device;

/// <summary>
/// A device-internal packet buffer: a fixed number of frame slots of <see cref="MaxFrameSize"/> bytes in
/// one pinned array. A port fills one per TX burst and hands it to its wire in a single call; sources
/// (generators, a TAP) fill one and hand it to <see cref="NicPort.Receive(FrameBatch)"/>. No allocation after construction.
/// </summary>
public sealed unsafe class FrameBatch
{
    /// <summary>Largest frame the model carries (jumbo, FCS excluded).</summary>
    public const int MaxFrameSize = 9728;

    private readonly byte[] _data;
    private readonly byte* _base;
    private readonly int[] _lengths;

    /// <summary>Creates a batch of <paramref name="capacity"/> slots.</summary>
    public FrameBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 4096);
        _data = GC.AllocateUninitializedArray<byte>(capacity * MaxFrameSize, pinned: true);
        _base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data)); // pinned: stable
        _lengths = new int[capacity];
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
            return new ReadOnlySpan<byte>(_base + (long)index * MaxFrameSize, _lengths[index]);
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
        _lengths[Count++] = length;
    }

    /// <summary>Copies <paramref name="frame"/> in; false when full or too long.</summary>
    public bool TryAdd(ReadOnlySpan<byte> frame)
    {
        if (IsFull || frame.Length == 0 || frame.Length > MaxFrameSize)
        {
            return false;
        }
        frame.CopyTo(Reserve());
        _lengths[Count++] = frame.Length;
        return true;
    }

    /// <summary>Empties the batch.</summary>
    public void Clear() => Count = 0;

    internal byte* ReservePointer()
    {
        if (IsFull)
        {
            throw new InvalidOperationException("batch full");
        }
        return _base + (long)Count * MaxFrameSize;
    }

    internal byte* FramePointer(int index) => _base + (long)index * MaxFrameSize;

    internal int FrameLength(int index) => _lengths[index];
}
