using System.Numerics;
using System.Runtime.CompilerServices;

namespace Mediator.Client;

/// <summary>
/// Hands out whole UMEM frames by offset: a stack of free frame numbers, so allocating and freeing
/// are O(1) and allocate nothing. Most recently freed frames come back first (still warm in cache).
/// </summary>
/// <remarks>
/// Not thread-safe: it belongs to the queue's one data-path thread. With double-free detection on
/// (the default in Debug builds) a bitmap of free frames catches a frame freed twice, the bug that
/// would otherwise hand one buffer to two owners; it costs one bit test per call.
/// </remarks>
public sealed class FrameAllocator
{
    private readonly uint[] _free;
    private readonly ulong[]? _isFree; // bit per frame, set while the frame is on the stack
    private readonly int _shift;
    private int _count;

    /// <summary>Creates an allocator that owns every frame of a UMEM.</summary>
    /// <param name="frameCount">Frames in the UMEM.</param>
    /// <param name="frameSize">Bytes per frame; a power of two.</param>
    /// <param name="detectDoubleFree">Track free frames to reject a double free; null: on in Debug builds.</param>
    public FrameAllocator(uint frameCount, uint frameSize, bool? detectDoubleFree = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frameCount);
        if (!BitOperations.IsPow2(frameSize))
        {
            throw new ArgumentException($"frame size {frameSize} is not a power of two", nameof(frameSize));
        }
        FrameCount = frameCount;
        FrameSize = frameSize;
        _shift = BitOperations.Log2(frameSize);
        _free = new uint[frameCount];
#if DEBUG
        bool detect = detectDoubleFree ?? true;
#else
        bool detect = detectDoubleFree ?? false;
#endif
        if (detect)
        {
            _isFree = new ulong[(frameCount + 63) / 64];
        }
        // Push high frames first so the first allocations are frames 0, 1, 2... (predictable layouts).
        for (uint i = frameCount; i-- > 0;)
        {
            _free[_count++] = i;
            if (_isFree is not null)
            {
                _isFree[i >> 6] |= 1UL << (int)(i & 63);
            }
        }
    }

    /// <summary>Frames the allocator manages.</summary>
    public uint FrameCount { get; }

    /// <summary>Bytes per frame.</summary>
    public uint FrameSize { get; }

    /// <summary>Frames free right now.</summary>
    public int Available => _count;

    /// <summary>Whether a double free is detected (and refused) rather than corrupting the stack.</summary>
    public bool DetectsDoubleFree => _isFree is not null;

    /// <summary>Takes a free frame; false when none is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAllocate(out ulong offset)
    {
        if (_count == 0)
        {
            offset = 0;
            return false;
        }
        uint frame = _free[--_count];
        if (_isFree is not null)
        {
            _isFree[frame >> 6] &= ~(1UL << (int)(frame & 63));
        }
        offset = (ulong)frame << _shift;
        return true;
    }

    /// <summary>Returns the frame starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentException">The offset is not a frame start in this UMEM, or (with detection) the frame is already free.</exception>
    public void Free(ulong offset)
    {
        FreeResult result = TryFree(offset);
        if (result != FreeResult.Freed)
        {
            ThrowFree(offset, result);
        }
    }

    /// <summary>Returns a frame, reporting instead of throwing what is wrong with the offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal FreeResult TryFree(ulong offset)
    {
        ulong frame = offset >> _shift;
        if (frame >= FrameCount || (offset & (FrameSize - 1)) != 0)
        {
            return FreeResult.NotAFrame;
        }
        if (_isFree is not null)
        {
            ref ulong word = ref _isFree[frame >> 6];
            ulong bit = 1UL << (int)(frame & 63);
            if ((word & bit) != 0)
            {
                return FreeResult.AlreadyFree;
            }
            word |= bit;
        }
        else if (_count == _free.Length)
        {
            // Without the bitmap a double free can only be seen once it would overflow the stack.
            return FreeResult.AlreadyFree;
        }
        _free[_count++] = (uint)frame;
        return FreeResult.Freed;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowFree(ulong offset, FreeResult result) => throw new ArgumentException(
        result == FreeResult.AlreadyFree
            ? $"frame at offset {offset} is already free (double free)"
            : $"offset {offset} is not the start of a frame in a UMEM of {FrameCount} x {FrameSize} bytes",
        nameof(offset));
}

/// <summary>What <see cref="FrameAllocator.TryFree"/> did.</summary>
internal enum FreeResult
{
    /// <summary>The frame is back on the free stack.</summary>
    Freed,
    /// <summary>Not a frame start inside the UMEM.</summary>
    NotAFrame,
    /// <summary>The frame was already free.</summary>
    AlreadyFree,
}
