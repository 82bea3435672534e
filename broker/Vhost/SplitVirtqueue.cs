using System.Runtime.CompilerServices;
using Mediator.Vhost;

namespace Mediator.Broker.Vhost;

/// <summary>
/// The device side of one split virtqueue in a front end's memory, treated as a hostile request ring:
/// the available index is fetched once per batch and a jump of more than the ring size is refused; each
/// head and each descriptor is fetched once into private memory; a chain is bounded by the ring size
/// (a longer one is a loop); every buffer must lie wholly inside one region and point the right way.
/// Used entries are written with plain stores and published with one release store of the used index.
/// Data-path thread only; built by the control thread while the ring is stopped.
/// </summary>
internal sealed unsafe class SplitVirtqueue
{
    private readonly VirtqDescriptor* _descriptors;
    private readonly byte* _avail;
    private readonly byte* _used;
    private readonly uint _mask;
    private ushort _nextAvail;  // next available entry to take (free-running, 16-bit as in virtio)
    private ushort _availLimit; // the available index as last fetched and accepted
    private ushort _usedIndex;  // next used entry to write (free-running)
    private ushort _usedPublished;
    private readonly Mediation.QueueCounters _counters;
    private int _lastBogusAvail = -1;

    /// <summary>Attaches to a ring whose three parts were translated and checked by the control thread.</summary>
    public SplitVirtqueue(int index, uint size, byte* descriptors, byte* avail, byte* used, ushort nextAvail, ushort usedIndex, Mediation.QueueCounters counters)
    {
        _counters = counters;
        Index = index;
        Size = size;
        _mask = size - 1;
        _descriptors = (VirtqDescriptor*)descriptors;
        _avail = avail;
        _used = used;
        _nextAvail = nextAvail;
        _availLimit = nextAvail;
        _usedIndex = usedIndex;
        _usedPublished = usedIndex;
    }

    /// <summary>The vring index (0: RX, 1: TX).</summary>
    public int Index { get; }

    /// <summary>Entries (a power of two).</summary>
    public uint Size { get; }

    /// <summary>The next available index the device will take (GET_VRING_BASE's answer).</summary>
    public ushort NextAvail => _nextAvail;

    /// <summary>
    /// Chains ready to take, fetching the available index from shared memory only when the cached view
    /// holds fewer than <paramref name="wanted"/> (one fetch per batch). A value more than <see cref="Size"/> ahead of what was taken
    /// is hostile: counted once per bogus value, ignored (nothing is taken), and the ring stays where it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Ready(uint wanted)
    {
        uint ready = (ushort)(_availLimit - _nextAvail);
        return ready >= wanted ? ready : Refresh(ready);
    }

    /// <summary>The head of the next available chain (fetched once; not yet validated). Call only when <see cref="Ready"/> said so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort TakeHead()
    {
        ushort head = Unsafe.ReadUnaligned<ushort>(_avail + VirtqLayout.RingOffset + 2 * (_nextAvail & _mask));
        _nextAvail++;
        return head;
    }

    /// <summary>
    /// Walks the chain at <paramref name="head"/>, fetching each descriptor once, and translates every
    /// buffer through <paramref name="memory"/> into <paramref name="segments"/>. Buffers must be
    /// device-writable when <paramref name="deviceWrites"/> (RX) and read-only otherwise (TX). Stops
    /// early, with the chain accepted so far, once <paramref name="enough"/> bytes are gathered.
    /// </summary>
    public VirtqRefusal ReadChain(ushort head, bool deviceWrites, GuestMemory memory, Span<ChainSegment> segments, ulong enough, out int count, out ulong total)
    {
        count = 0;
        total = 0;
        uint i = head;
        ushort want = deviceWrites ? VirtqDescriptor.FlagWrite : (ushort)0;
        while (true)
        {
            if (i >= Size)
            {
                return VirtqRefusal.IndexOutOfRange;
            }
            if (count >= Size || count >= segments.Length)
            {
                return VirtqRefusal.ChainLoop;
            }
            VirtqDescriptor d = _descriptors[i]; // the one fetch of this descriptor: only the copy is used
            if ((d.Flags & VirtqDescriptor.FlagIndirect) != 0)
            {
                return VirtqRefusal.Indirect;
            }
            if ((d.Flags & VirtqDescriptor.FlagWrite) != want)
            {
                return VirtqRefusal.WrongDirection;
            }
            if (d.Length == 0)
            {
                return VirtqRefusal.BadLength;
            }
            byte* host = memory.Translate(d.Address, d.Length);
            if (host == null)
            {
                return VirtqRefusal.OutsideMemory;
            }
            segments[count++] = new ChainSegment(host, d.Length);
            total += d.Length;
            if ((d.Flags & VirtqDescriptor.FlagNext) == 0 || total >= enough)
            {
                return VirtqRefusal.None;
            }
            i = d.Next;
        }
    }

    /// <summary>Writes a used entry for the chain at <paramref name="head"/> (not yet visible).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PutUsed(ushort head, uint length)
    {
        var e = (VirtqUsedElement*)(_used + VirtqLayout.RingOffset) + (_usedIndex & _mask);
        e->Id = head;
        e->Length = length;
        _usedIndex++;
    }

    /// <summary>
    /// Publishes the used entries written since the last call with one release store of the used index,
    /// and says whether the driver wants its call eventfd signalled: after a full fence (our index store
    /// before its flag load, pairing with the driver's store of the flag and its re-check of the used
    /// index) it reads VIRTQ_AVAIL_F_NO_INTERRUPT.
    /// </summary>
    public bool PublishUsed()
    {
        if (_usedIndex == _usedPublished)
        {
            return false;
        }
        _usedPublished = _usedIndex;
        // Release: the used entries (and the RX bytes written into the buffers) are visible no later
        // than the index (pairs with the driver's acquire load of used->idx).
        Volatile.Write(ref *(ushort*)(_used + VirtqLayout.IndexOffset), _usedIndex);
        // Full fence (store-load): the index store must not pass the flag load below.
        Interlocked.MemoryBarrier();
        ushort flags = Volatile.Read(ref *(ushort*)(_avail + VirtqLayout.FlagsOffset));
        return (flags & VirtqLayout.AvailNoInterrupt) == 0;
    }

    /// <summary>
    /// Sets or clears VIRTQ_USED_F_NO_NOTIFY. Set while the data path polls (the driver need not kick);
    /// cleared before it sleeps, followed by a full fence and a re-check (<see cref="HasNewAvail"/>),
    /// the same handshake as need-wakeup on the broker's own rings.
    /// </summary>
    public void SetNoNotify(bool noNotify)
    {
        ushort* flags = (ushort*)(_used + VirtqLayout.FlagsOffset);
        // Release: ordinary publication; the sleeping side follows it with a full fence.
        Volatile.Write(ref *flags, noNotify ? VirtqLayout.UsedNoNotify : (ushort)0);
    }

    /// <summary>After <see cref="SetNoNotify"/>(false): a full fence, then whether chains arrived meanwhile.</summary>
    public bool HasNewAvail()
    {
        // Full fence (store-load): the flag store is visible before we re-read the available index,
        // pairing with the driver's barrier between publishing avail->idx and reading used->flags.
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref *(ushort*)(_avail + VirtqLayout.IndexOffset)) != _nextAvail;
    }

    private uint Refresh(uint cached)
    {
        // Acquire: the driver wrote the ring entries and descriptors below this index before it.
        ushort avail = Volatile.Read(ref *(ushort*)(_avail + VirtqLayout.IndexOffset));
        uint ready = (ushort)(avail - _nextAvail);
        if (ready > Size)
        {
            if (avail != _lastBogusAvail)
            {
                _lastBogusAvail = avail;
                _counters.Increment(Control.QueueCounter.VhostRefusedAvailIndexJump);
            }
            return cached; // what was accepted before stays takeable
        }
        _availLimit = avail;
        return ready;
    }
}
