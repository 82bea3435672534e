using Mediator.Abi;

namespace Mediator.Tests.Shared.Abi;

public class QueueLayoutTests
{
    public static TheoryData<uint, uint, uint, uint, uint, uint> Geometries() => new()
    {
        { 2048, 4096, 1024, 1024, 1024, 1024 },
        { 2048, 1, 8, 8, 8, 8 },
        { 4096, 100, 8, 32768, 16, 512 },
        { 16384, 1 << 20, 32768, 32768, 32768, 32768 },
        { 8192, 3, 256, 512, 2048, 64 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Client_area_lines_and_rings_do_not_overlap(uint frame, uint frames, uint tx, uint comp, uint fill, uint rx)
    {
        var layout = new QueueLayout(Make(frame, frames, tx, comp, fill, rx));
        AssertDisjoint(layout.ClientAreaSize,
            (0, AreaHeader.Size),
            (QueueLayout.TxProducer, IndexLine.Size),
            (QueueLayout.FillProducer, IndexLine.Size),
            (QueueLayout.CompletionConsumer, IndexLine.Size),
            (QueueLayout.RxConsumer, IndexLine.Size),
            (QueueLayout.TxEntries, tx * (long)TxRequest.Size),
            (layout.FillEntries, fill * (long)FillEntry.Size));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Broker_area_lines_and_rings_do_not_overlap(uint frame, uint frames, uint tx, uint comp, uint fill, uint rx)
    {
        var layout = new QueueLayout(Make(frame, frames, tx, comp, fill, rx));
        AssertDisjoint(layout.BrokerAreaSize,
            (0, AreaHeader.Size),
            (QueueLayout.TxConsumer, IndexLine.Size),
            (QueueLayout.FillConsumer, IndexLine.Size),
            (QueueLayout.CompletionProducer, IndexLine.Size),
            (QueueLayout.RxProducer, IndexLine.Size),
            (QueueLayout.CompletionEntries, comp * (long)Completion.Size),
            (layout.RxEntries, rx * (long)Completion.Size));
    }

    [Fact]
    public void Each_ring_has_its_producer_and_consumer_in_different_areas_at_the_same_offset()
    {
        // A C client finds the partner line at the same offset in the other area (docs/abi.md 5.3).
        Assert.Equal(QueueLayout.TxProducer, QueueLayout.TxConsumer);
        Assert.Equal(QueueLayout.FillProducer, QueueLayout.FillConsumer);
        Assert.Equal(QueueLayout.CompletionConsumer, QueueLayout.CompletionProducer);
        Assert.Equal(QueueLayout.RxConsumer, QueueLayout.RxProducer);
    }

    [Fact]
    public void Default_layout_numbers()
    {
        var layout = new QueueLayout(QueueGeometry.Default);
        Assert.Equal(16704, layout.FillEntries);
        Assert.Equal(28672, layout.ClientAreaSize);
        Assert.Equal(16704, layout.RxEntries);
        Assert.Equal(36864, layout.BrokerAreaSize);
        Assert.Equal(8UL << 20, QueueGeometry.Default.UmemSize);
    }

    [Fact]
    public void Invalid_geometry_is_refused()
    {
        var g = QueueGeometry.Default;
        g.CompletionSize = g.TxSize / 2;
        Assert.Throws<ArgumentException>(() => new QueueLayout(g));
    }

    private static QueueGeometry Make(uint frame, uint frames, uint tx, uint comp, uint fill, uint rx) => new()
    {
        FrameSize = frame, FrameCount = frames, TxSize = tx, CompletionSize = comp, FillSize = fill, RxSize = rx,
    };

    private static void AssertDisjoint(long areaSize, params (long Offset, long Length)[] parts)
    {
        Assert.Equal(0, areaSize % AbiVersion.PageSize);
        var sorted = parts.OrderBy(p => p.Offset).ToArray();
        foreach (var (offset, _) in sorted)
        {
            Assert.Equal(0, offset % AbiVersion.CacheLine);
        }
        for (int i = 1; i < sorted.Length; i++)
        {
            Assert.True(sorted[i - 1].Offset + sorted[i - 1].Length <= sorted[i].Offset, $"part at {sorted[i - 1].Offset} overlaps {sorted[i].Offset}");
        }
        Assert.True(sorted[^1].Offset + sorted[^1].Length <= areaSize, "last part runs past the area");
        // No more than one page of slack: the size is the rounded end, not a guess.
        Assert.True(areaSize - (sorted[^1].Offset + sorted[^1].Length) < AbiVersion.PageSize);
    }
}
