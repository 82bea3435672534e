using System.Diagnostics;
using System.Numerics;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// A port's interrupt logic: IVAR maps a queue's TX or RX completion to an MSI-X vector; the cause
/// bit goes into EICR at once; the message (a 4-byte DMA write of the entry's data to its address) is
/// sent when EIMS enables the vector, the entry is not masked and the vector's EITR interval has
/// passed since its last message. Held-back vectors stay pending and are retried every step.
/// </summary>
/// <remarks>
/// Model limits (documented deviations): cause bits exist for vectors 0..31 only (EICR is 32 bits; the
/// 82599's extended cause registers are not modelled); throttling exists for vectors 0..23 (EITR 0..23);
/// there is no auto-mask/auto-clear (EIAM/EIAC): the driver clears EICR itself, by exchange.
/// </remarks>
internal sealed class InterruptModerator
{
    private const int CauseVectors = 32;
    private const int ThrottledVectors = 24;

    private readonly MmioRegion _bar;
    private readonly MmioRegion _msix;
    private readonly BusMaster _dma;
    private readonly PortCounters _counters;
    private readonly long[] _lastMessage = new long[CauseVectors];
    private readonly bool[] _everSent = new bool[CauseVectors];
    private readonly int[] _auditQueue = new int[CauseVectors];
    private uint _pending;

    public InterruptModerator(MmioRegion bar, MmioRegion msix, BusMaster dma, PortCounters counters)
    {
        _bar = bar;
        _msix = msix;
        _dma = dma;
        _counters = counters;
    }

    /// <summary>Whether some vector waits for its message.</summary>
    public bool HasPending => _pending != 0;

    /// <summary>Records that queue <paramref name="queue"/> completed TX (<paramref name="tx"/>) or RX work.</summary>
    public void QueueCause(int queue, bool tx, int auditQueue)
    {
        uint ivar = _bar.Read(Registers.IVAR(queue >> 1)); // acquire: pairs with the driver's store
        int shift = ((queue & 1) * 16) + (tx ? 8 : 0);
        uint entry = (ivar >> shift) & 0xFF;
        if ((entry & Registers.IvarValid) == 0)
        {
            return;
        }
        int vector = (int)(entry & 0x3F);
        if (vector >= CauseVectors)
        {
            _counters.InvalidVectors++;
            return;
        }
        // Atomic OR: the driver clears causes by exchange concurrently; neither may lose the other's bits.
        _bar.Or(Registers.EICR, 1u << vector);
        _pending |= 1u << vector;
        _auditQueue[vector] = auditQueue; // the last cause names whom the message is sent for
    }

    /// <summary>Sends the messages that are due at the step's time; returns how many. The clock is read only for a throttled vector.</summary>
    public int Service(StepClock clock)
    {
        uint pending = _pending;
        if (pending == 0)
        {
            return 0;
        }
        uint enabled = _bar.Read(Registers.EIMS); // acquire: pairs with the driver's store
        int sent = 0;
        while (pending != 0)
        {
            int v = BitOperations.TrailingZeroCount(pending);
            pending &= pending - 1;
            if ((enabled & (1u << v)) == 0)
            {
                continue; // masked in EIMS: stays pending until the driver unmasks
            }
            long interval = IntervalTicks(v);
            if (interval > 0 && _everSent[v] && clock.Now - _lastMessage[v] < interval)
            {
                _counters.MsixThrottled++;
                continue;
            }
            if (!SendMessage(v))
            {
                continue; // masked in the MSI-X table: pending bit (PBA) stays set
            }
            _pending &= ~(1u << v);
            if (interval > 0)
            {
                _lastMessage[v] = clock.Now; // only a throttled vector needs the time of its last message
                _everSent[v] = true;
            }
            sent++;
        }
        return sent;
    }

    private long IntervalTicks(int vector)
    {
        if (vector >= ThrottledVectors)
        {
            return 0;
        }
        uint units = (_bar.Read(Registers.EITR(vector)) >> 3) & 0x1FF; // 2 µs units
        return units * 2L * Stopwatch.Frequency / 1_000_000;
    }

    private bool SendMessage(int vector)
    {
        int entry = vector * MsixEntry.Size;
        // Acquire loads: pair with the driver's stores of the entry. Control first, so a driver that
        // masks, rewrites, unmasks is never seen half-way through with the mask clear.
        if ((_msix.Read(entry + 12) & MsixEntry.Masked) != 0)
        {
            return false;
        }
        ulong address = _msix.Read(entry) | ((ulong)_msix.Read(entry + 4) << 32);
        uint data = _msix.Read(entry + 8);
        _counters.MsixMessages++;
        // The message is an ordinary DMA write: it lands wherever the entry points (the interrupt page,
        // or, if someone programmed it so, any other mapped memory). The low two bits are ignored.
        if (!_dma.Write32(_auditQueue[vector], address & ~3UL, data))
        {
            _counters.MsixFaults++;
        }
        return true;
    }
}
