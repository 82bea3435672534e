using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Writes completion entries the way the client reads them next: for a client on another core, each whole
/// 16-byte entry with one streaming store, so the broker's core does not first fetch for ownership a line
/// the client's core holds (it read the entries before); for a client inside the broker, cached.
/// <see cref="Publish"/> orders them before the producer index.
/// </summary>
internal static unsafe class CompletionStore
{
    /// <summary>Writes <paramref name="slot"/> (Reserved zero); with <paramref name="stream"/>, without reading its line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(ref Completion slot, ulong offset, uint length, RequestStatus status, bool stream)
    {
        void* at = Unsafe.AsPointer(ref slot); // shared memory: never moves
        // Offset at 0; Length at 8, Status at 12, Reserved at 14 (little-endian): see Completion.
        ulong high = length | ((ulong)(ushort)status << 32);
        if (stream && ((nuint)at & 15) == 0)
        {
            StreamingStore.Store16(at, offset, high);
        }
        else
        {
            slot = new Completion { Offset = offset, Length = length, Status = (ushort)status };
        }
    }

    /// <summary>Makes the entries written so far visible before <paramref name="ring"/>'s new producer index: after streaming stores a fence, then the release store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Publish(Mediator.Rings.RingProducer<Completion> ring, uint count, bool stream)
    {
        if (stream)
        {
            StreamingStore.Fence();
        }
        ring.Submit(count);
    }
}
