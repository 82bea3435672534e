using System.Runtime.CompilerServices;
using Mediator.Native;

namespace Mediator.Broker.Device;

/// <summary>
/// The device's only way to touch host memory: every access translates through the bus, is recorded
/// by the audit, and (for writes) lets the interrupt page react. Used by the single DMA engine thread.
/// </summary>
/// <remarks>
/// Two things keep this cheap per frame without changing what it does. Buffer accesses first try the
/// region the previous one translated to (a one-entry translation cache: the same region, still mapped,
/// and the whole span inside it is exactly what the page table would answer, because a region's bus
/// range never changes and no other region can hold its addresses while it is mapped). And the audit
/// sums accesses per (queue, direction, region) until the step ends (<see cref="PendingAudit"/>).
/// Descriptor rings are translated once per run of descriptors (<see cref="TranslateRun"/>); each
/// descriptor read or write-back inside the run is still recorded as its own access.
/// </remarks>
internal sealed unsafe class BusMaster
{
    private readonly BusAddressSpace _bus;
    private readonly DmaAudit _audit;
    private readonly InterruptController _interrupts;
    private readonly PendingAudit _pending;
    private BusRegion? _lastRegion;

    public BusMaster(BusAddressSpace bus, DmaAudit audit, InterruptController interrupts)
    {
        _bus = bus;
        _audit = audit;
        _interrupts = interrupts;
        _pending = new PendingAudit(audit);
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="bus"/> into <paramref name="destination"/>.</summary>
    public bool Read(int queue, ulong bus, void* destination, uint length)
    {
        if (!Translate(bus, length, out byte* host, out BusRegion? region))
        {
            _audit.OnAccess(queue, DmaOp.Read, bus, length, null);
            return false;
        }
        _pending.Record(queue, DmaOp.Read, bus, length, region!);
        // Plain copy: the driver published this memory before its release store of the doorbell,
        // which the caller acquire-loaded before issuing the read.
        Unsafe.CopyBlockUnaligned(destination, host, length);
        return true;
    }

    /// <summary>
    /// Writes <paramref name="length"/> bytes from <paramref name="source"/> to <paramref name="bus"/>; into a
    /// region that streams DMA writes (<see cref="BusRegion.StreamDmaWrites"/>) with streaming stores, which
    /// the caller orders with <see cref="StreamingStore.Fence"/> before the release store that publishes them.
    /// </summary>
    public bool Write(int queue, ulong bus, void* source, uint length)
    {
        if (!Translate(bus, length, out byte* host, out BusRegion? region))
        {
            _audit.OnAccess(queue, DmaOp.Write, bus, length, null);
            return false;
        }
        _pending.Record(queue, DmaOp.Write, bus, length, region!);
        if (region!.StreamDmaWrites)
        {
            // Read next by another core (see BusRegion.StreamDmaWrites; what profiles of the RX path
            // showed first). Weakly ordered: the caller fences (StreamingStore.Fence) before the DD store.
            StreamingStore.Copy(host, (byte*)source, length);
        }
        else
        {
            // Plain copy: the caller publishes it with a later release store (descriptor status).
            Unsafe.CopyBlockUnaligned(host, source, length);
            Wrote(region, host, length);
        }
        return true;
    }

    /// <summary>
    /// Writes one 32-bit value with release semantics (TX DD write-back, MSI-X message): everything the
    /// device wrote before becomes visible no later than this value.
    /// </summary>
    public bool Write32(int queue, ulong bus, uint value)
    {
        if (!_bus.TryTranslate(bus, sizeof(uint), out byte* host, out BusRegion? region))
        {
            _audit.OnAccess(queue, DmaOp.Write, bus, sizeof(uint), null);
            return false;
        }
        _pending.Record(queue, DmaOp.Write, bus, sizeof(uint), region!);
        StoreRelease32(host, value);
        Wrote(region!, host, sizeof(uint));
        return true;
    }

    /// <summary>
    /// Writes back a 16-byte descriptor as one access: words 0-1 and 3 plainly, then the status word 2
    /// with release, so a driver that acquire-reads DD also sees the length (and the frame data).
    /// </summary>
    public bool WriteBack(int queue, ulong bus, ulong words01, uint word3, uint statusWord2)
    {
        const uint size = 16;
        if (!_bus.TryTranslate(bus, size, out byte* host, out BusRegion? region))
        {
            _audit.OnAccess(queue, DmaOp.Write, bus, size, null);
            return false;
        }
        _pending.Record(queue, DmaOp.Write, bus, size, region!);
        WriteBackAt(host, words01, word3, statusWord2);
        Wrote(region!, host, size);
        return true;
    }

    /// <summary>
    /// Translates the longest run of whole <paramref name="unit"/>-byte elements starting at
    /// <paramref name="bus"/>, at most <paramref name="maxBytes"/>, that lies inside one mapped region;
    /// returns its length in bytes, 0 when the first element does not translate (nothing is recorded:
    /// the caller records each access it then makes inside the run, or the fault).
    /// </summary>
    public uint TranslateRun(ulong bus, uint unit, uint maxBytes, out byte* host, out BusRegion? region)
    {
        if (!_bus.TryTranslate(bus, unit, out host, out region))
        {
            return 0;
        }
        ulong left = (ulong)region!.Length - (bus - region.BusAddress);
        ulong run = Math.Min(maxBytes, left);
        return (uint)(run - (run % unit));
    }

    /// <summary>Records one access the caller made inside a run from <see cref="TranslateRun"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(int queue, DmaOp op, ulong bus, uint length, BusRegion region) => _pending.Record(queue, op, bus, length, region);

    /// <summary>Records an access that did not translate (a fault).</summary>
    public void RecordFault(int queue, DmaOp op, ulong bus, uint length) => _audit.OnAccess(queue, op, bus, length, null);

    /// <summary>Samples whether the audit's detailed log is on; called when a step (or a receive burst) starts.</summary>
    public void BeginAudit() => _pending.Begin();

    /// <summary>Hands the summed audit records over; called when a step (or a receive burst) ends.</summary>
    public void FlushAudit() => _pending.Flush();

    /// <summary>Lets the interrupt page react to a write the caller made inside a translated run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Wrote(BusRegion region, byte* host, uint length)
    {
        if (region.Kind == RegionKind.InterruptPage && region == _interrupts.Region)
        {
            _interrupts.OnDeviceWrite((ulong)(host - region.Host), length);
        }
    }

    /// <summary>The write-back stores of <see cref="WriteBack"/> at a translated address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteBackAt(byte* host, ulong words01, uint word3, uint statusWord2)
    {
        Unsafe.WriteUnaligned(host, words01);
        Unsafe.WriteUnaligned(host + 12, word3);
        StoreRelease32(host + 8, statusWord2);
    }

    /// <summary>A 32-bit store with release semantics (a fence first if the address is unaligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRelease32(byte* host, uint value)
    {
        if (((nuint)host & 3) == 0)
        {
            Volatile.Write(ref *(uint*)host, value); // release: pairs with the driver's acquire of this word
        }
        else
        {
            Interlocked.MemoryBarrier(); // an unaligned target (a hostile address): fence, then a plain store
            Unsafe.WriteUnaligned(host, value);
        }
    }

    // The one-entry translation cache (see remarks), then the page table.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Translate(ulong bus, uint length, out byte* host, out BusRegion? region)
    {
        BusRegion? r = _lastRegion;
        if (r != null)
        {
            ulong within = bus - r.BusAddress;
            if (within < (ulong)r.Length && length != 0 && length <= (ulong)r.Length - within && r.IsMapped)
            {
                host = r.Host + within;
                region = r;
                return true;
            }
        }
        return TranslateMiss(bus, length, out host, out region);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TranslateMiss(ulong bus, uint length, out byte* host, out BusRegion? region)
    {
        if (!_bus.TryTranslate(bus, length, out host, out region))
        {
            return false;
        }
        _lastRegion = region;
        return true;
    }
}
