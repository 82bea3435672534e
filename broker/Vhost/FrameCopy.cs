using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mediator.Broker.Vhost;

/// <summary>
/// Copies between guest buffers and UMEM frames. Small frames (32 to 128 bytes, the 64-byte benchmark
/// frames among them) are copied inline with overlapping 32-byte vector loads and stores, without the
/// call into the runtime's memmove that a variable-length copy otherwise costs per frame; longer ones
/// go to memmove. Buffers never overlap (guest memory and the broker's UMEM are separate mappings).
/// </summary>
internal static unsafe class FrameCopy
{
    /// <summary>Copies <paramref name="length"/> bytes from <paramref name="from"/> to <paramref name="to"/> (no overlap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(byte* to, byte* from, uint length)
    {
        if (Vector256.IsHardwareAccelerated && length - 32 <= 96) // 32 ≤ length ≤ 128 (wraps when below 32)
        {
            // Head and tail vectors overlap when length is not a multiple of 32: every byte is written,
            // some twice, all loads before the stores of their half.
            var a = Vector256.Load(from);
            var z = Vector256.Load(from + length - 32);
            if (length > 64)
            {
                var b = Vector256.Load(from + 32);
                var y = Vector256.Load(from + length - 64);
                b.Store(to + 32);
                y.Store(to + length - 64);
            }
            a.Store(to);
            z.Store(to + length - 32);
            return;
        }
        Unsafe.CopyBlockUnaligned(to, from, length);
    }

    /// <summary>
    /// Hints the CPU to start loading the cache lines of <paramref name="length"/> bytes at
    /// <paramref name="at"/> (first and last line; frames are short). A hint only: it reads no value and
    /// cannot fault, so an address from a hostile descriptor is harmless (it was translated anyway).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(byte* at, uint length)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(at);
            Sse.Prefetch0(at + length - 1);
        }
    }
}
