using System.Numerics;
using System.Runtime.InteropServices;

namespace Mediator.Abi;

/// <summary>
/// The sizes of one client queue: its UMEM (frame size × frame count) and its four rings. Sent by
/// the client in OpenQueue and answered, possibly reduced by policy, in OpenQueueReply.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct QueueGeometry : IEquatable<QueueGeometry>
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 24;

    /// <summary>Smallest frame: holds a 1514-byte Ethernet frame with headroom.</summary>
    public const uint MinFrameSize = 2048;
    /// <summary>Largest frame.</summary>
    public const uint MaxFrameSize = 16384;
    /// <summary>Smallest ring.</summary>
    public const uint MinRingSize = 8;
    /// <summary>Largest ring.</summary>
    public const uint MaxRingSize = 32768;
    /// <summary>Most frames in one UMEM.</summary>
    public const uint MaxFrameCount = 1 << 20;

    /// <summary>Bytes per frame; a power of two.</summary>
    [FieldOffset(0)] public uint FrameSize;
    /// <summary>Frames in the UMEM.</summary>
    [FieldOffset(4)] public uint FrameCount;
    /// <summary>Entries in the TX request ring; a power of two.</summary>
    [FieldOffset(8)] public uint TxSize;
    /// <summary>Entries in the TX completion ring; a power of two, at least <see cref="TxSize"/>.</summary>
    [FieldOffset(12)] public uint CompletionSize;
    /// <summary>Entries in the fill ring; a power of two.</summary>
    [FieldOffset(16)] public uint FillSize;
    /// <summary>Entries in the RX ring; a power of two.</summary>
    [FieldOffset(20)] public uint RxSize;

    /// <summary>A geometry that suits a simple client: 4096 frames of 2 KiB, rings of 1024.</summary>
    public static QueueGeometry Default => new()
    {
        FrameSize = 2048, FrameCount = 4096, TxSize = 1024, CompletionSize = 1024, FillSize = 1024, RxSize = 1024,
    };

    /// <summary>UMEM bytes.</summary>
    public readonly ulong UmemSize => (ulong)FrameSize * FrameCount;

    /// <summary>log2 of <see cref="FrameSize"/>.</summary>
    public readonly int FrameShift => BitOperations.Log2(FrameSize);

    /// <summary>Returns null when the geometry is acceptable, else what is wrong with it.</summary>
    public readonly string? Validate()
    {
        if (!BitOperations.IsPow2(FrameSize) || FrameSize < MinFrameSize || FrameSize > MaxFrameSize)
        {
            return $"frame size {FrameSize} must be a power of two from {MinFrameSize} to {MaxFrameSize}";
        }
        if (FrameCount == 0 || FrameCount > MaxFrameCount)
        {
            return $"frame count {FrameCount} must be 1 to {MaxFrameCount}";
        }
        if (!RingOk(TxSize) || !RingOk(CompletionSize) || !RingOk(FillSize) || !RingOk(RxSize))
        {
            return $"ring sizes (tx {TxSize}, completion {CompletionSize}, fill {FillSize}, rx {RxSize}) must be powers of two from {MinRingSize} to {MaxRingSize}";
        }
        if (CompletionSize < TxSize)
        {
            return $"completion ring ({CompletionSize}) must be at least as large as the TX ring ({TxSize})";
        }
        return null;

        static bool RingOk(uint n) => BitOperations.IsPow2(n) && n >= MinRingSize && n <= MaxRingSize;
    }

    /// <inheritdoc />
    public readonly bool Equals(QueueGeometry other) =>
        FrameSize == other.FrameSize && FrameCount == other.FrameCount && TxSize == other.TxSize
        && CompletionSize == other.CompletionSize && FillSize == other.FillSize && RxSize == other.RxSize;

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is QueueGeometry g && Equals(g);

    /// <inheritdoc />
    public override readonly int GetHashCode() => HashCode.Combine(FrameSize, FrameCount, TxSize, CompletionSize, FillSize, RxSize);

    /// <inheritdoc />
    public override readonly string ToString() =>
        $"{FrameCount}x{FrameSize}B frames, tx {TxSize}, comp {CompletionSize}, fill {FillSize}, rx {RxSize}";

    /// <summary>Equality.</summary>
    public static bool operator ==(QueueGeometry left, QueueGeometry right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(QueueGeometry left, QueueGeometry right) => !left.Equals(right);
}
