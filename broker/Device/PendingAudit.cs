using System.Runtime.CompilerServices;

namespace Mediator.Broker.Device;

/// <summary>
/// The DMA engine's audit accumulator. Every translated access is still recorded one by one, with its
/// queue, direction, region and length, but accesses with the same (queue, direction, region) are summed
/// in one of a few slots and reach <see cref="DmaAudit"/> as one update when the step (or a receive burst
/// outside a step) ends: the same counters, violations included, as recording each access at once; only
/// the moment an observer sees them moves to the end of the step. While the detailed log is on, each
/// access goes to the audit at once, in order, with its address (a log record needs both).
/// </summary>
/// <remarks>
/// Used only by the thread that steps the device, like the rest of the DMA engine. Whether the log is on
/// is sampled by <see cref="Begin"/> at the start of each step or burst. A step's accesses cycle through
/// the same few keys (descriptor read, buffer access, write-back), so the slot after the last one hit is
/// tried first.
/// </remarks>
internal sealed class PendingAudit
{
    private const int Slots = 4;

    private readonly DmaAudit _audit;
    private readonly Slot[] _slots = new Slot[Slots];
    private int _used;
    private int _next;
    private bool _logging;

    public PendingAudit(DmaAudit audit) => _audit = audit;

    /// <summary>Samples whether the detailed log is on; called when a step or a receive burst starts.</summary>
    public void Begin()
    {
        bool logging = _audit.Logging;
        if (logging && _used != 0)
        {
            Flush(); // the log was switched on: what is summed goes first, then each access one by one
        }
        _logging = logging;
    }

    /// <summary>Records one translated access of <paramref name="length"/> bytes at <paramref name="bus"/> that touched <paramref name="region"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(int queue, DmaOp op, ulong bus, uint length, BusRegion region)
    {
        int i = _next;
        ref Slot s = ref _slots[i];
        if (i < _used && ReferenceEquals(s.Region, region) && s.Queue == queue && s.Op == op)
        {
            s.Count++;
            s.Bytes += length;
            _next = i + 1 == _used ? 0 : i + 1;
            return;
        }
        RecordSearching(queue, op, bus, length, region);
    }

    /// <summary>Hands every summed access to the audit.</summary>
    public void Flush()
    {
        for (int i = 0; i < _used; i++)
        {
            ref Slot s = ref _slots[i];
            _audit.OnAccesses(s.Queue, s.Op, s.Region!, s.Count, s.Bytes);
            s = default;
        }
        _used = 0;
        _next = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordSearching(int queue, DmaOp op, ulong bus, uint length, BusRegion region)
    {
        if (_logging)
        {
            _audit.OnAccess(queue, op, bus, length, region);
            return;
        }
        for (int i = 0; i < _used; i++)
        {
            ref Slot s = ref _slots[i];
            if (ReferenceEquals(s.Region, region) && s.Queue == queue && s.Op == op)
            {
                s.Count++;
                s.Bytes += length;
                _next = i + 1 == _used ? 0 : i + 1;
                return;
            }
        }
        if (_used == Slots)
        {
            Flush();
        }
        _slots[_used++] = new Slot { Region = region, Queue = queue, Op = op, Count = 1, Bytes = length };
        _next = 0;
    }

    private struct Slot
    {
        public BusRegion? Region;
        public int Queue;
        public DmaOp Op;
        public long Count;
        public long Bytes;
    }
}
