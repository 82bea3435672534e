namespace Mediator.Broker.Device;

/// <summary>
/// The physical (bus) address space as the device sees it, with no IOMMU: any mapped byte can be
/// read or written by any DMA, whoever the memory belongs to. Translation is a page-granular table
/// (one region id per 4 KiB page of a bounded window), exactly the information a device without an
/// IOMMU has: it protects nobody; only the driver side can.
/// </summary>
/// <remarks>
/// Concurrency: <see cref="Map"/>/<see cref="Unmap"/> run on a control thread under a lock; the DMA
/// engine translates lock-free. Map publishes the region array before the page entries; Unmap clears
/// the page entries, then waits until no engine step that might have translated earlier is still
/// running, so the caller may free the host memory as soon as Unmap returns. Region ids are never
/// reused. Bus ranges are reused (first fit): a stale DMA to a recycled address lands in whatever is
/// there now, as on real hardware. Every region is followed by at least one unmapped guard page.
/// </remarks>
public sealed unsafe class BusAddressSpace
{
    /// <summary>Bytes per translation page.</summary>
    public const int PageSize = 4096;
    /// <summary>log2 of <see cref="PageSize"/>.</summary>
    public const int PageShift = 12;
    /// <summary>Default first bus address of the window (above 4 GiB, so 32-bit truncation bugs fault).</summary>
    public const ulong DefaultWindowBase = 0x1_0000_0000;
    /// <summary>Default window size: 4 GiB, a table of 1 Mi page entries.</summary>
    public const ulong DefaultWindowBytes = 4UL << 30;

    private readonly object _gate = new();
    private readonly int[] _pageTable; // region id per page; 0 = unmapped
    private readonly List<BusRegion> _live = []; // sorted by bus address; control path only
    private BusRegion?[] _regions = new BusRegion?[16]; // index = region id; copy-on-write
    private int _nextId = 1;

    /// <summary>Creates an empty address space covering [<paramref name="windowBase"/>, +<paramref name="windowBytes"/>).</summary>
    public BusAddressSpace(ulong windowBase = DefaultWindowBase, ulong windowBytes = DefaultWindowBytes)
    {
        if ((windowBase & (PageSize - 1)) != 0 || windowBytes < 4 * PageSize || (windowBytes & (PageSize - 1)) != 0
            || (windowBytes >> PageShift) > int.MaxValue / 2 || windowBase + windowBytes < windowBase)
        {
            throw new ArgumentOutOfRangeException(nameof(windowBytes), "window must be page aligned, at least 4 pages and at most 4 TiB");
        }
        WindowBase = windowBase;
        WindowBytes = windowBytes;
        _pageTable = new int[windowBytes >> PageShift];
    }

    /// <summary>First bus address of the window.</summary>
    public ulong WindowBase { get; }

    /// <summary>Bytes the window covers.</summary>
    public ulong WindowBytes { get; }

    internal DmaQuiescence Quiescence { get; } = new();

    /// <summary>
    /// Makes <paramref name="length"/> bytes at <paramref name="host"/> visible at a fresh page-aligned
    /// bus address. The memory must stay valid until <see cref="Unmap"/> returns.
    /// </summary>
    public BusRegion Map(string name, RegionKind kind, byte* host, long length, int ownerTag = -1, bool streamDmaWrites = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (host == null)
        {
            throw new ArgumentNullException(nameof(host));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if ((ulong)length > WindowBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "region larger than the bus window");
        }
        ulong span = AlignUp((ulong)length);
        lock (_gate)
        {
            ulong bus = FindGap(span, out int insertAt);
            var region = new BusRegion(_nextId++, name, kind, bus, host, length, ownerTag, streamDmaWrites);
            BusRegion?[] regions = _regions;
            if (region.Id >= regions.Length)
            {
                Array.Resize(ref regions, regions.Length * 2); // copy: the engine may be reading the old array
            }
            else
            {
                regions = (BusRegion?[])regions.Clone();
            }
            regions[region.Id] = region;
            // Release: pairs with the acquire of _regions in TryTranslate; published before any page
            // entry names the new id, so a translator that sees the id finds the region.
            Volatile.Write(ref _regions, regions);
            long first = (long)((bus - WindowBase) >> PageShift);
            long pages = (long)(span >> PageShift);
            for (long p = first; p < first + pages; p++)
            {
                // Release: pairs with the acquire of the page entry in TryTranslate.
                Volatile.Write(ref _pageTable[p], region.Id);
            }
            _live.Insert(insertAt, region);
            return region;
        }
    }

    /// <summary>
    /// Removes <paramref name="region"/> from the bus; later DMA to its addresses faults. Returns once
    /// the engine can no longer be touching its host memory. Idempotent.
    /// </summary>
    public void Unmap(BusRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            if (!region.IsMapped)
            {
                return;
            }
            long first = (long)((region.BusAddress - WindowBase) >> PageShift);
            long pages = (long)(AlignUp((ulong)region.Length) >> PageShift);
            for (long p = first; p < first + pages; p++)
            {
                // Release; the fence in WaitForStepBoundary orders these before its epoch sample.
                Volatile.Write(ref _pageTable[p], 0);
            }
            region.MarkUnmapped();
            _live.Remove(region);
        }
        Quiescence.WaitForStepBoundary();
    }

    /// <summary>
    /// Translates the span [<paramref name="bus"/>, +<paramref name="length"/>) to host memory. Succeeds
    /// only when the whole span lies inside one mapped region; anything else is a DMA fault.
    /// </summary>
    public bool TryTranslate(ulong bus, uint length, out byte* host, out BusRegion? region)
    {
        host = null;
        region = null;
        ulong offset = bus - WindowBase; // wraps to a huge value when bus < WindowBase
        if (length == 0 || offset >= WindowBytes || length > WindowBytes - offset)
        {
            return false;
        }
        // Acquire: pairs with the release in Map; seeing the id implies seeing the region array holding it.
        int id = Volatile.Read(ref _pageTable[offset >> PageShift]);
        if (id == 0)
        {
            return false;
        }
        BusRegion r = Volatile.Read(ref _regions)[id]!; // acquire: pairs with the publish in Map
        ulong within = bus - r.BusAddress; // the page maps to r and r starts page aligned, so bus >= r.BusAddress
        if (within >= (ulong)r.Length || length > (ulong)r.Length - within)
        {
            return false; // spills past the region (into its guard page or its last page's slack)
        }
        host = r.Host + within;
        region = r;
        return true;
    }

    /// <summary>The mapped region holding <paramref name="bus"/>, if any (diagnostics).</summary>
    public BusRegion? FindRegion(ulong bus) => TryTranslate(bus, 1, out _, out BusRegion? r) ? r : null;

    /// <summary>Every region ever mapped, unmapped ones included (for the audit report).</summary>
    public BusRegion[] SnapshotRegions()
    {
        BusRegion?[] regions = Volatile.Read(ref _regions); // acquire: pairs with the publish in Map
        var list = new List<BusRegion>(regions.Length);
        foreach (BusRegion? r in regions)
        {
            if (r != null)
            {
                list.Add(r);
            }
        }
        return [.. list];
    }

    private static ulong AlignUp(ulong n) => (n + PageSize - 1) & ~(ulong)(PageSize - 1);

    // First fit, leaving a guard page before the first region and after every region.
    private ulong FindGap(ulong span, out int insertAt)
    {
        ulong candidate = WindowBase + PageSize;
        for (int i = 0; i < _live.Count; i++)
        {
            BusRegion r = _live[i];
            if (r.BusAddress >= candidate && r.BusAddress - candidate >= span + PageSize)
            {
                insertAt = i;
                return candidate;
            }
            candidate = AlignUp(r.EndAddress) + PageSize;
        }
        ulong end = WindowBase + WindowBytes;
        if (candidate > end || end - candidate < span + PageSize)
        {
            throw new InvalidOperationException("bus address window exhausted");
        }
        insertAt = _live.Count;
        return candidate;
    }
}
