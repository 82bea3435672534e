using System.Runtime.InteropServices;

namespace Mediator.Abi;

/// <summary>
/// One ring index with its flags, alone on a 64-byte cache line so that the producer's and the
/// consumer's writes never share a line (no false sharing between the two cores).
/// </summary>
/// <remarks>
/// <see cref="Index"/> is free-running: it counts entries ever produced (or consumed) modulo 2^32
/// and is never masked in shared memory. Only the side that owns the line writes it.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct IndexLine
{
    /// <summary>Bytes the line occupies.</summary>
    public const int Size = AbiVersion.CacheLine;

    /// <summary>Offset of <see cref="Index"/> in the line.</summary>
    public const int IndexOffset = 0;

    /// <summary>Offset of <see cref="Flags"/> in the line.</summary>
    public const int FlagsOffset = 4;

    /// <summary>Free-running producer or consumer index.</summary>
    [FieldOffset(IndexOffset)] public uint Index;

    /// <summary><see cref="RingFlags"/> of the owner of this line.</summary>
    [FieldOffset(FlagsOffset)] public uint Flags;
}
