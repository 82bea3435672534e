using System.Diagnostics.CodeAnalysis;

namespace Mediator.Client;

/// <summary>Throws for the data path, kept out of the hot methods so they stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void OutOfUmem(ulong offset, int length, ulong umemSize) =>
        throw new ArgumentOutOfRangeException(nameof(offset), $"{length} bytes at offset {offset} do not lie inside the UMEM of {umemSize} bytes");

    [DoesNotReturn]
    public static void BadFrameLength(int length, uint frameSize) =>
        throw new ArgumentException($"a frame must be 1 to {frameSize} bytes; got {length}");

    [DoesNotReturn]
    public static void BatchTooShort(int bytes, int frameLength, int count) =>
        throw new ArgumentException($"{count} frames of {frameLength} bytes need {(long)frameLength * count} bytes; got {bytes}");
}
