using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mediator.Native;

/// <summary>
/// Software prefetch for data another core wrote last: the data path reads shared memory a client just
/// produced, and each such line is a cross-core miss (~100 ns in a VM). Issuing a batch's prefetches
/// before touching any of it lets those misses overlap, as DPDK's drivers do with <c>rte_prefetch0</c>.
/// </summary>
/// <remarks>
/// A prefetch never faults and changes no architectural state, but callers still prefetch only
/// addresses they have validated: nothing a client writes should steer the broker's loads.
/// </remarks>
public static class Prefetch
{
    /// <summary>Hints that the cache line holding <paramref name="address"/> will be read soon (PREFETCHT0; nothing where unsupported).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void ForRead(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }
}
