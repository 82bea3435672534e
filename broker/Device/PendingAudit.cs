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
/// <remarks>Used only by the thread that steps the device, like the rest of the DMA engine.</remarks>
internal sealed class PendingAudit
{
    private const int Slots = 4;

    private readonly DmaAudit _audit;
    private readonly Slot[] _slots = new Slot[Slots];
    private int _used;

    public PendingAudit(DmaAudit audit) => _audit = audit;

    /// <summary>Records one translated access of <paramref name="length"/> bytes at <paramref name="bus"/> that touched <paramref name="region"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(int queue, DmaOp op, ulong bus, uint length, BusRegion region)
    {
        Slot[] slots = _slots;
        for (int i = 0; i < _used; i++)
        {
            ref Slot s = ref slots[i];
            if (ReferenceEquals(s.Region, region) && s.Queue == queue && s.Op == op)
            {
                if (_audit.Logging)
                {
                    break; // the log was switched on mid-step: hand over what is summed, then go one by one
                }
                s.Count++;
                s.Bytes += length;
                return;
            }
        }
        RecordInNewSlot(queue, op, bus, length, region);
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
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordInNewSlot(int queue, DmaOp op, ulong bus, uint length, BusRegion region)
    {
        if (_audit.Logging)
        {
            Flush();
            _audit.OnAccess(queue, op, bus, length, region);
            return;
        }
        if (_used == Slots)
        {
            Flush();
        }
        _slots[_used++] = new Slot { Region = region, Queue = queue, Op = op, Count = 1, Bytes = length };
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
