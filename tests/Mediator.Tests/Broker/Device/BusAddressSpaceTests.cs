using Mediator.Broker.Device;
using Mediator.Native;

namespace Mediator.Tests.Broker.Device;

public sealed unsafe class BusAddressSpaceTests : IDisposable
{
    private readonly MappedMemory _memory = MappedMemory.Anonymous(4 * BusAddressSpace.PageSize);
    private readonly BusAddressSpace _bus = new(windowBytes: 1UL << 24);

    public void Dispose() => _memory.Dispose();

    [Fact]
    public void Map_GivesPageAlignedAddressesSeparatedByGuardPages()
    {
        BusRegion a = _bus.Map("a", RegionKind.Other, _memory.Pointer, 100);
        BusRegion b = _bus.Map("b", RegionKind.Other, _memory.Pointer, 2 * BusAddressSpace.PageSize);

        Assert.Equal(0UL, a.BusAddress % BusAddressSpace.PageSize);
        Assert.Equal(0UL, b.BusAddress % BusAddressSpace.PageSize);
        Assert.True(a.BusAddress > _bus.WindowBase, "the window's first page is a guard page");
        Assert.True(b.BusAddress >= a.BusAddress + 2 * (ulong)BusAddressSpace.PageSize, "one unmapped page between regions");
        Assert.Null(_bus.FindRegion(b.BusAddress - 1));
    }

    [Fact]
    public void TryTranslate_InRange_ReturnsHostPointerAndRegion()
    {
        BusRegion r = _bus.Map("r", RegionKind.ClientUmem, _memory.Pointer, 3 * BusAddressSpace.PageSize, ownerTag: 5);

        Assert.True(_bus.TryTranslate(r.BusAddress + 5000, 3000, out byte* host, out BusRegion? found));
        Assert.Equal((nint)(_memory.Pointer + 5000), (nint)host);
        Assert.Same(r, found);
        Assert.Equal(5, found!.OwnerTag);
    }

    [Fact]
    public void TryTranslate_SpanRunningIntoGuardPage_Faults()
    {
        BusRegion r = _bus.Map("r", RegionKind.Other, _memory.Pointer, BusAddressSpace.PageSize);

        Assert.True(_bus.TryTranslate(r.BusAddress + 4000, 96, out _, out _));
        Assert.False(_bus.TryTranslate(r.BusAddress + 4000, 97, out _, out _));
        Assert.False(_bus.TryTranslate(r.EndAddress, 1, out _, out _));
    }

    [Fact]
    public void TryTranslate_SpanAcrossTwoRegions_Faults()
    {
        BusRegion a = _bus.Map("a", RegionKind.Other, _memory.Pointer, BusAddressSpace.PageSize);
        BusRegion b = _bus.Map("b", RegionKind.Other, _memory.Pointer, BusAddressSpace.PageSize);

        Assert.False(_bus.TryTranslate(a.BusAddress, (uint)(b.EndAddress - a.BusAddress), out _, out _));
    }

    [Fact]
    public void TryTranslate_PartialLastPage_IsBoundedByRegionLength()
    {
        BusRegion r = _bus.Map("r", RegionKind.Other, _memory.Pointer, 100);

        Assert.True(_bus.TryTranslate(r.BusAddress + 99, 1, out _, out _));
        Assert.False(_bus.TryTranslate(r.BusAddress + 100, 1, out _, out _)); // same page, past the memory
    }

    [Fact]
    public void Unmap_LaterTranslationFaults_IdsAreNeverReused()
    {
        BusRegion r = _bus.Map("r", RegionKind.Other, _memory.Pointer, BusAddressSpace.PageSize);
        ulong address = r.BusAddress;
        _bus.Unmap(r);

        Assert.False(r.IsMapped);
        Assert.False(_bus.TryTranslate(address, 4, out _, out _));
        BusRegion again = _bus.Map("again", RegionKind.Other, _memory.Pointer, BusAddressSpace.PageSize);
        Assert.NotEqual(r.Id, again.Id);
        Assert.Equal(address, again.BusAddress); // the bus range is recycled (first fit), as without an IOMMU
        Assert.Same(again, _bus.FindRegion(address));
    }

    [Theory]
    [InlineData(0UL, 4u)]                    // below the window
    [InlineData(0x1_0000_0000UL, 4u)]         // the leading guard page
    [InlineData(ulong.MaxValue - 1, 4u)]     // wraps
    [InlineData(0x1_0000_1000UL, 0u)]         // zero length
    public void TryTranslate_OutsideOrDegenerate_Faults(ulong bus, uint length)
    {
        _bus.Map("r", RegionKind.Other, _memory.Pointer, BusAddressSpace.PageSize);
        Assert.False(_bus.TryTranslate(bus, length, out _, out _));
    }

    [Fact]
    public void Map_WindowExhausted_Throws()
    {
        var small = new BusAddressSpace(windowBytes: 8 * BusAddressSpace.PageSize);
        small.Map("a", RegionKind.Other, _memory.Pointer, 4 * BusAddressSpace.PageSize);
        Assert.Throws<InvalidOperationException>(() => small.Map("b", RegionKind.Other, _memory.Pointer, 4 * BusAddressSpace.PageSize));
    }
}
