using Mediator.Native;

namespace Mediator.Broker.Device;

/// <summary>
/// Owns the interrupt page: one 4 KiB bus region of kind <see cref="RegionKind.InterruptPage"/>. Slot
/// s is the 4 bytes at <see cref="SlotAddress"/>(s); an MSI-X entry whose address is a slot turns the
/// device's message (a 4-byte DMA write) into a signal of that slot's eventfd. This is the model's
/// stand-in for the interrupt remapping a kernel driver would get from the platform.
/// </summary>
public sealed unsafe class InterruptController : IDisposable
{
    /// <summary>Slots in the page.</summary>
    public const int SlotCount = BusAddressSpace.PageSize / sizeof(uint);

    private readonly BusAddressSpace _bus;
    private readonly MappedMemory _page;
    private readonly EventFd?[] _slots = new EventFd?[SlotCount];
    private readonly long[] _signals = new long[SlotCount];

    internal InterruptController(BusAddressSpace bus)
    {
        _bus = bus;
        _page = MappedMemory.Private("mediator-interrupt-page", BusAddressSpace.PageSize);
        Region = bus.Map("interrupt-page", RegionKind.InterruptPage, _page.Pointer, BusAddressSpace.PageSize);
    }

    /// <summary>The interrupt page's bus region.</summary>
    public BusRegion Region { get; }

    /// <summary>The bus address an MSI-X entry must name to signal slot <paramref name="slot"/>.</summary>
    public ulong SlotAddress(int slot)
    {
        CheckSlot(slot);
        return Region.BusAddress + (ulong)(slot * sizeof(uint));
    }

    /// <summary>Makes writes to slot <paramref name="slot"/> signal <paramref name="eventFd"/> (replacing any previous one).</summary>
    public void Register(int slot, EventFd eventFd)
    {
        CheckSlot(slot);
        ArgumentNullException.ThrowIfNull(eventFd);
        Volatile.Write(ref _slots[slot], eventFd); // release: pairs with the acquire in OnDeviceWrite
    }

    /// <summary>
    /// Stops signalling for slot <paramref name="slot"/>. Returns once the engine can no longer be
    /// signalling the old eventfd, so the caller may dispose it.
    /// </summary>
    public void Unregister(int slot)
    {
        CheckSlot(slot);
        Volatile.Write(ref _slots[slot], null); // ordered before the epoch sample by the fence in WaitForStepBoundary
        _bus.Quiescence.WaitForStepBoundary();
    }

    /// <summary>The last value the device wrote to slot <paramref name="slot"/> (the MSI-X message data).</summary>
    public uint ReadSlot(int slot)
    {
        CheckSlot(slot);
        return Volatile.Read(ref ((uint*)_page.Pointer)[slot]); // acquire: pairs with the device's release store
    }

    /// <summary>How many times the device signalled slot <paramref name="slot"/>.</summary>
    public long SignalCount(int slot)
    {
        CheckSlot(slot);
        return Volatile.Read(ref _signals[slot]); // engine increments plainly (single writer)
    }

    /// <summary>
    /// Called after a device write of <paramref name="length"/> bytes landed at
    /// <paramref name="offset"/> in the page: signals every registered slot it touched.
    /// </summary>
    internal void OnDeviceWrite(ulong offset, uint length)
    {
        int first = (int)(offset / sizeof(uint));
        int last = (int)((offset + length - 1) / sizeof(uint));
        for (int s = first; s <= last; s++)
        {
            EventFd? fd = Volatile.Read(ref _slots[s]); // acquire: pairs with the release in Register
            if (fd != null)
            {
                _signals[s]++;
                fd.Signal();
            }
        }
    }

    /// <summary>Unmaps and frees the page. Registered eventfds are not disposed (their owners do that).</summary>
    public void Dispose()
    {
        _bus.Unmap(Region);
        _page.Dispose();
    }

    private static void CheckSlot(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, SlotCount);
    }
}
