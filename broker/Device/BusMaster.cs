using System.Runtime.CompilerServices;

namespace Mediator.Broker.Device;

/// <summary>
/// The device's only way to touch host memory: every access translates through the bus, is recorded
/// by the audit, and (for writes) lets the interrupt page react. Used by the single DMA engine thread.
/// </summary>
internal sealed unsafe class BusMaster
{
    private readonly BusAddressSpace _bus;
    private readonly DmaAudit _audit;
    private readonly InterruptController _interrupts;

    public BusMaster(BusAddressSpace bus, DmaAudit audit, InterruptController interrupts)
    {
        _bus = bus;
        _audit = audit;
        _interrupts = interrupts;
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="bus"/> into <paramref name="destination"/>.</summary>
    public bool Read(int queue, ulong bus, void* destination, uint length)
    {
        bool ok = _bus.TryTranslate(bus, length, out byte* host, out BusRegion? region);
        _audit.OnAccess(queue, DmaOp.Read, bus, length, region);
        if (ok)
        {
            // Plain copy: the driver published this memory before its release store of the doorbell,
            // which the caller acquire-loaded before issuing the read.
            Unsafe.CopyBlockUnaligned(destination, host, length);
        }
        return ok;
    }

    /// <summary>Writes <paramref name="length"/> bytes from <paramref name="source"/> to <paramref name="bus"/>.</summary>
    public bool Write(int queue, ulong bus, void* source, uint length)
    {
        bool ok = _bus.TryTranslate(bus, length, out byte* host, out BusRegion? region);
        _audit.OnAccess(queue, DmaOp.Write, bus, length, region);
        if (ok)
        {
            // Plain copy: the caller publishes it with a later release store (descriptor status).
            Unsafe.CopyBlockUnaligned(host, source, length);
            AfterWrite(region!, host, length);
        }
        return ok;
    }

    /// <summary>
    /// Writes one 32-bit value with release semantics (TX DD write-back, MSI-X message): everything the
    /// device wrote before becomes visible no later than this value.
    /// </summary>
    public bool Write32(int queue, ulong bus, uint value)
    {
        bool ok = _bus.TryTranslate(bus, sizeof(uint), out byte* host, out BusRegion? region);
        _audit.OnAccess(queue, DmaOp.Write, bus, sizeof(uint), region);
        if (ok)
        {
            StoreRelease32(host, value);
            AfterWrite(region!, host, sizeof(uint));
        }
        return ok;
    }

    /// <summary>
    /// Writes back a 16-byte descriptor as one access: words 0-1 and 3 plainly, then the status word 2
    /// with release, so a driver that acquire-reads DD also sees the length (and the frame data).
    /// </summary>
    public bool WriteBack(int queue, ulong bus, ulong words01, uint word3, uint statusWord2)
    {
        const uint size = 16;
        bool ok = _bus.TryTranslate(bus, size, out byte* host, out BusRegion? region);
        _audit.OnAccess(queue, DmaOp.Write, bus, size, region);
        if (ok)
        {
            Unsafe.WriteUnaligned(host, words01);
            Unsafe.WriteUnaligned(host + 12, word3);
            StoreRelease32(host + 8, statusWord2);
            AfterWrite(region!, host, size);
        }
        return ok;
    }

    private static void StoreRelease32(byte* host, uint value)
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

    private void AfterWrite(BusRegion region, byte* host, uint length)
    {
        if (region.Kind == RegionKind.InterruptPage && region == _interrupts.Region)
        {
            _interrupts.OnDeviceWrite((ulong)(host - region.Host), length);
        }
    }
}
