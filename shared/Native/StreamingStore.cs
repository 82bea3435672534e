using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mediator.Native;

/// <summary>
/// Stores that bypass this core's caches (MOVNTDQ), for data another core reads next: a cached store to
/// a line that core holds first fetches the line for ownership, a cross-core round trip per line that
/// the data path would pay; a streaming store invalidates the other copy instead. Streaming stores are
/// weakly ordered, even on x86: <see cref="Fence"/> before the release store that publishes them.
/// </summary>
public static unsafe class StreamingStore
{
    /// <summary>Stores 16 bytes (<paramref name="low"/> first) at a 16-byte aligned <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store16(void* address, ulong low, ulong high)
    {
        if (Sse2.X64.IsSupported)
        {
            Sse2.StoreAlignedNonTemporal((ulong*)address, Vector128.Create(low, high));
        }
        else
        {
            ((ulong*)address)[0] = low;
            ((ulong*)address)[1] = high;
        }
    }

    /// <summary>Copies <paramref name="length"/> bytes; whole 16-byte blocks stream when <paramref name="destination"/> is 16-byte aligned.</summary>
    public static void Copy(byte* destination, byte* source, uint length)
    {
        uint i = 0;
        if (Sse2.IsSupported && ((nuint)destination & 15) == 0)
        {
            for (; i + 16 <= length; i += 16)
            {
                Sse2.StoreAlignedNonTemporal(destination + i, Sse2.LoadVector128(source + i));
            }
        }
        Unsafe.CopyBlockUnaligned(destination + i, source + i, length - i);
    }

    /// <summary>Orders every earlier streaming store before every later store (SFENCE; nothing is needed without them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fence()
    {
        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }
}
