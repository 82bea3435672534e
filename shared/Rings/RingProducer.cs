using System.Numerics;
using System.Runtime.CompilerServices;
using Mediator.Abi;

namespace Mediator.Rings;

/// <summary>
/// The producing side of a single-producer/single-consumer ring in shared memory, in the manner of
/// AF_XDP's <c>xsk_ring_prod</c>: reserve slots, fill them, submit. The consumer's index is an
/// untrusted number; a value that would make the ring hold more than its size is treated as "full",
/// so a hostile consumer can only stall itself.
/// </summary>
/// <remarks>
/// Memory ordering: entries are written with plain stores, then <see cref="Submit"/> publishes the
/// producer index with a release store; the consumer's acquire load of that index makes the entries
/// visible. The consumer index is read with an acquire load, so its reads of the slots it released
/// are complete before we overwrite them.
/// Not thread-safe: one producer thread.
/// </remarks>
public sealed unsafe class RingProducer<T> where T : unmanaged
{
    private readonly IndexLine* _producer; // ours
    private readonly IndexLine* _consumer; // theirs, untrusted
    private readonly T* _entries;
    private readonly uint _mask;
    private uint _cachedProducer;
    private uint _cachedConsumer;

    /// <summary>Attaches to a ring whose lines and entries are already mapped.</summary>
    /// <param name="producerLine">The producer's index line (written by us).</param>
    /// <param name="consumerLine">The consumer's index line (read by us).</param>
    /// <param name="entries">The first entry.</param>
    /// <param name="size">Entries in the ring; a power of two.</param>
    public RingProducer(byte* producerLine, byte* consumerLine, byte* entries, uint size)
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
        // Our own index: we are its only writer, so the value we find is ours (0 on a new ring).
        _cachedProducer = Volatile.Read(ref _producer->Index);
        _cachedConsumer = Volatile.Read(ref _consumer->Index);
        if (_cachedProducer - _cachedConsumer > size)
        {
            // The fast path in Free trusts the cached view, so a lie found at attach must not become
            // it: start from "full" and let Refresh accept the first honest index.
            InvalidConsumerIndex++;
            _cachedConsumer = _cachedProducer - size;
        }
    }

    /// <summary>Entries in the ring.</summary>
    public uint Size { get; }

    /// <summary>The producer index as last submitted (free-running).</summary>
    public uint Producer => _cachedProducer;

    /// <summary>Times the consumer's index claimed the ring held more than <see cref="Size"/>.</summary>
    public long InvalidConsumerIndex { get; private set; }

    /// <summary>
    /// Free slots, refreshing the consumer index only when the cached view shows fewer than
    /// <paramref name="wanted"/> (one shared-memory read per refresh, none on the fast path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Free(uint wanted)
    {
        uint free = Size - (_cachedProducer - _cachedConsumer);
        return free >= wanted ? free : Refresh();
    }

    /// <summary>Reserves up to <paramref name="wanted"/> slots; returns how many, and the first slot's index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Reserve(uint wanted, out uint index)
    {
        index = _cachedProducer;
        return Math.Min(Free(wanted), wanted);
    }

    /// <summary>The slot for free-running <paramref name="index"/>.</summary>
    public ref T this[uint index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _entries[index & _mask];
    }

    /// <summary>Publishes <paramref name="count"/> reserved slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Submit(uint count)
    {
        _cachedProducer += count;
        // Release: the slot writes above become visible no later than the new index (pairs with the
        // consumer's acquire load in RingConsumer.Peek).
        Volatile.Write(ref _producer->Index, _cachedProducer);
    }

    /// <summary>
    /// After <see cref="Submit"/>: whether the consumer said it sleeps and must be signalled. Issues a
    /// full fence first, so that either the consumer sees our new index on its re-check, or we see
    /// its flag here (the need-wakeup handshake; see <see cref="RingConsumer{T}.PrepareToSleep"/>).
    /// </summary>
    public bool ConsumerNeedsWakeup()
    {
        // Full fence (store-load): our index store must not be reordered after the flag load.
        Interlocked.MemoryBarrier();
        return (Volatile.Read(ref _consumer->Flags) & (uint)RingFlags.NeedWakeup) != 0;
    }

    /// <summary>Entries submitted and not yet consumed, from a fresh read of the consumer index (clamped to size).</summary>
    public uint Outstanding()
    {
        Refresh();
        return _cachedProducer - _cachedConsumer;
    }

    private uint Refresh()
    {
        // Acquire: the consumer finished reading every slot below this index before publishing it.
        uint consumer = Volatile.Read(ref _consumer->Index);
        uint used = _cachedProducer - consumer;
        if (used > Size || consumer - _cachedConsumer > _cachedProducer - _cachedConsumer)
        {
            // Impossible for an honest consumer: it may only move forwards, from where we last saw it
            // up to what we produced. Backwards or beyond is hostile; keep the old view (the ring
            // looks as full as before), so nothing it has not released is ever overwritten.
            InvalidConsumerIndex++;
            return Size - (_cachedProducer - _cachedConsumer);
        }
        _cachedConsumer = consumer;
        return Size - used;
    }
}
