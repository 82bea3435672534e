using Mediator.Client;

namespace Mediator.Tests.Client;

public class FrameAllocatorTests
{
    [Fact]
    public void Allocates_every_frame_once_in_order_then_runs_out()
    {
        var frames = new FrameAllocator(8, 2048, detectDoubleFree: true);
        for (ulong i = 0; i < 8; i++)
        {
            Assert.True(frames.TryAllocate(out ulong offset));
            Assert.Equal(i * 2048, offset);
        }
        Assert.False(frames.TryAllocate(out _));
        Assert.Equal(0, frames.Available);
    }

    [Fact]
    public void Freed_frame_is_reused_first()
    {
        var frames = new FrameAllocator(4, 4096, detectDoubleFree: true);
        for (int i = 0; i < 4; i++)
        {
            frames.TryAllocate(out _);
        }
        frames.Free(2 * 4096);
        Assert.Equal(1, frames.Available);
        Assert.True(frames.TryAllocate(out ulong offset));
        Assert.Equal(2ul * 4096, offset);
    }

    [Fact]
    public void Double_free_is_refused_with_detection()
    {
        var frames = new FrameAllocator(4, 2048, detectDoubleFree: true);
        Assert.True(frames.TryAllocate(out ulong offset));
        frames.Free(offset);
        var e = Assert.Throws<ArgumentException>(() => frames.Free(offset));
        Assert.Contains("double free", e.Message);
        Assert.Equal(4, frames.Available);
    }

    [Fact]
    public void Double_free_without_detection_cannot_overflow_the_stack()
    {
        var frames = new FrameAllocator(2, 2048, detectDoubleFree: false);
        Assert.False(frames.DetectsDoubleFree);
        Assert.Throws<ArgumentException>(() => frames.Free(0));
        Assert.Equal(2, frames.Available);
    }

    [Theory]
    [InlineData(100ul)]          // not a frame start
    [InlineData(8ul * 2048)]     // one past the end
    [InlineData(ulong.MaxValue)] // overflow bait
    public void Offsets_that_are_not_frames_are_refused(ulong offset)
    {
        var frames = new FrameAllocator(8, 2048, detectDoubleFree: true);
        frames.TryAllocate(out _);
        Assert.Throws<ArgumentException>(() => frames.Free(offset));
    }

    [Fact]
    public void Frame_size_must_be_a_power_of_two() =>
        Assert.Throws<ArgumentException>(() => new FrameAllocator(8, 3000));
}
