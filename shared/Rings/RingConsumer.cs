using System.Numerics;
using System.Runtime.CompilerServices;
using Mediator.Abi;

namespace Mediator.Rings;

/// <summary>
/// The consuming side of a single-producer/single-consumer ring in shared memory, in the manner of
/// AF_XDP's <c>xsk_ring_cons</c>: peek, read, release. The producer's index is an untrusted number: an
/// index that claims more than <see cref="Size"/> entries (a jump, a move backwards, garbage) is
/// counted and ignored, so nothing beyond the ring is ever read.
/// </summary>
/// <remarks>
/// Memory ordering: the producer index is read with an acquire load, so entries below it are visible;
/// <see cref="Release"/> publishes our consumer index with a release store after our reads of those
/// slots. A consumer that must not trust the producer copies each entry once (<see cref="Read"/>)
/// and validates the copy. Not thread-safe: one consumer thread.
/// </remarks>
public sealed unsafe class RingConsumer<T> where T : unmanaged
{
    private readonly IndexLine* _producer; // theirs, untrusted
    private readonly IndexLine* _consumer; // ours
    private readonly T* _entries;
    private readonly uint _mask;
    private uint _cachedProducer;
    private uint _cachedConsumer;

    /// <summary>Attaches to a ring whose lines and entries are already mapped.</summary>
    /// <param name="producerLine">The producer's index line (read by us).</param>
    /// <param name="consumerLine">The consumer's index line (written by us).</param>
    /// <param name="entries">The first entry.</param>
    /// <param name="size">Entries in the ring; a power of two.</param>
    public RingConsumer(byte* producerLine, byte* consumerLine, byte* entries, uint size)
    {
        if (!BitOperations.IsPow2(size))
        {
            throw new ArgumentException($"ring size {size} is not a power of two", nameof(size));
        }
        _producer = (IndexLine*)producerLine;
        _consumer = (IndexLine*)consumerLine;
        _entries = (T*)entries;
        Size = size;
        _mask = size - 1;
        _cachedConsumer = Volatile.Read(ref _consumer->Index);
        _cachedProducer = _cachedConsumer;
    }

    /// <summary>Entries in the ring.</summary>
    public uint Size { get; }

    /// <summary>The consumer index as last released (free-running).</summary>
    public uint Consumer => _cachedConsumer;

    /// <summary>Times the producer's index claimed more than <see cref="Size"/> entries were waiting.</summary>
    public long InvalidProducerIndex { get; private set; }

    /// <summary>
    /// Entries ready, up to <paramref name="max"/>, and the index of the first. Reads the producer
    /// index from shared memory only when the cached view is exhausted: one fetch per batch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Peek(uint max, out uint index)
    {
        index = _cachedConsumer;
        uint available = _cachedProducer - _cachedConsumer;
        if (available == 0)
        {
            available = Refresh();
        }
        return Math.Min(available, max);
    }

    /// <summary>A copy of the entry at free-running <paramref name="index"/>: the one fetch of it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read(uint index) => _entries[index & _mask];

    /// <summary>The entry at free-running <paramref name="index"/>, in place (trusted producers only).</summary>
    public ref readonly T this[uint index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _entries[index & _mask];
    }

    /// <summary>Gives <paramref name="count"/> peeked entries back to the producer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(uint count)
    {
        _cachedConsumer += count;
        // Release: our reads of the released slots complete before the producer can see them free
        // (pairs with the producer's acquire load of the consumer index).
        Volatile.Write(ref _consumer->Index, _cachedConsumer);
    }

    /// <summary>
    /// Announces that we are about to sleep: sets need-wakeup in our line, issues a full fence and
    /// re-reads the producer index. Returns true when entries arrived meanwhile (do not sleep; clear
    /// the flag). Otherwise sleep on the eventfd; the producer will signal it.
    /// </summary>
    public bool PrepareToSleep()
    {
        Volatile.Write(ref _consumer->Flags, _consumer->Flags | (uint)RingFlags.NeedWakeup);
        // Full fence (store-load): the flag store must be visible before we re-read the index, the
        // mirror of RingProducer.ConsumerNeedsWakeup.
        Interlocked.MemoryBarrier();
        return Refresh() != 0;
    }

    /// <summary>Clears need-wakeup: we are polling again.</summary>
    public void ClearNeedWakeup() => Volatile.Write(ref _consumer->Flags, _consumer->Flags & ~(uint)RingFlags.NeedWakeup);

    /// <summary>Entries waiting, from a fresh read of the producer index.</summary>
    public uint Available() => Refresh();

    private uint Refresh()
    {
        // Acquire: the producer wrote every slot below this index before publishing it.
        uint producer = Volatile.Read(ref _producer->Index);
        uint available = producer - _cachedConsumer;
        if (available > Size)
        {
            InvalidProducerIndex++;
            _cachedProducer = _cachedConsumer;
            return 0;
        }
        _cachedProducer = producer;
        return available;
    }
}
