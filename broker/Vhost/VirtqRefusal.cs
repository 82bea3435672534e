using Mediator.Control;

namespace Mediator.Broker.Vhost;

/// <summary>
/// Why the broker refused a descriptor chain from a front end's virtqueue. Each has a counter
/// (<see cref="VirtqRefusals.CounterFor"/>); a refused chain is still returned in the used ring (length 0),
/// so it completes exactly once. (An available index that jumps is refused by <c>SplitVirtqueue.Refresh</c>
/// before any chain is read, and counted there.)
/// </summary>
internal enum VirtqRefusal
{
    /// <summary>Not refused.</summary>
    None,
    /// <summary>A head or next index outside the descriptor table.</summary>
    IndexOutOfRange,
    /// <summary>A chain longer than the ring: a loop.</summary>
    ChainLoop,
    /// <summary>An indirect descriptor (not negotiated).</summary>
    Indirect,
    /// <summary>A device-writable buffer in a TX chain, or a read-only one in an RX chain.</summary>
    WrongDirection,
    /// <summary>A buffer not wholly inside one region of the memory table.</summary>
    OutsideMemory,
    /// <summary>A zero-length buffer, a TX chain shorter than the net header or longer than a frame, an RX chain too small for the frame.</summary>
    BadLength,
}

/// <summary>Maps refusals to their counters.</summary>
internal static class VirtqRefusals
{
    /// <summary>The counter of <paramref name="refusal"/>.</summary>
    public static QueueCounter CounterFor(VirtqRefusal refusal) => refusal switch
    {
        VirtqRefusal.IndexOutOfRange => QueueCounter.VhostRefusedIndexOutOfRange,
        VirtqRefusal.ChainLoop => QueueCounter.VhostRefusedChainLoop,
        VirtqRefusal.Indirect => QueueCounter.VhostRefusedIndirect,
        VirtqRefusal.WrongDirection => QueueCounter.VhostRefusedWrongDirection,
        VirtqRefusal.OutsideMemory => QueueCounter.VhostRefusedOutsideMemory,
        _ => QueueCounter.VhostRefusedBadLength,
    };
}
