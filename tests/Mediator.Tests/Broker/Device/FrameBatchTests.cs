using Mediator.Broker.Device;

namespace Mediator.Tests.Broker.Device;

public sealed class FrameBatchTests
{
    [Fact]
    public void Frames_of_mixed_sizes_pack_and_read_back_whole_until_the_batch_is_full()
    {
        var batch = new FrameBatch(4);
        int[] sizes = [60, FrameBatch.MaxFrameSize, 1, 1514];
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.True(batch.TryAdd(Frames.Make(Frames.MacB, Math.Max(sizes[i], 14), i).AsSpan(0, sizes[i])));
        }
        Assert.True(batch.IsFull);
        Assert.False(batch.TryAdd(new byte[60]));
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.Equal(Frames.Make(Frames.MacB, Math.Max(sizes[i], 14), i).AsSpan(0, sizes[i]).ToArray(), batch[i].ToArray());
        }
        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.True(batch.TryAdd(new byte[FrameBatch.MaxFrameSize]));
    }
}
