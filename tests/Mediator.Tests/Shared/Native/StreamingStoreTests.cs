using System.Runtime.InteropServices;
using Mediator.Native;

namespace Mediator.Tests.Shared.Native;

public sealed unsafe class StreamingStoreTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(0, 15)]
    [InlineData(0, 16)]
    [InlineData(0, 60)]
    [InlineData(0, 64)]
    [InlineData(0, 1514)]
    [InlineData(1, 64)] // unaligned destination: the plain copy
    [InlineData(8, 1514)]
    public void Copy_writes_exactly_the_source_bytes(int misalign, int length)
    {
        byte* block = (byte*)NativeMemory.AlignedAlloc(4096, 64);
        try
        {
            new Span<byte>(block, 4096).Fill(0xEE);
            byte[] source = [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3))];
            fixed (byte* s = source)
            {
                StreamingStore.Copy(block + misalign, s, (uint)length);
            }
            StreamingStore.Fence();
            var all = new ReadOnlySpan<byte>(block, 4096);
            Assert.True(all.Slice(misalign, length).SequenceEqual(source));
            Assert.True(all[..misalign].IndexOfAnyExcept((byte)0xEE) < 0, "nothing before the destination");
            Assert.True(all[(misalign + length)..].IndexOfAnyExcept((byte)0xEE) < 0, "nothing after the destination");
        }
        finally
        {
            NativeMemory.AlignedFree(block);
        }
    }

    [Fact]
    public void Store16_puts_the_low_word_first()
    {
        ulong* pair = (ulong*)NativeMemory.AlignedAlloc(16, 16);
        try
        {
            StreamingStore.Store16(pair, 0x1122334455667788, 0x99AABBCCDDEEFF00);
            StreamingStore.Fence();
            Assert.Equal(0x1122334455667788UL, pair[0]);
            Assert.Equal(0x99AABBCCDDEEFF00UL, pair[1]);
        }
        finally
        {
            NativeMemory.AlignedFree(pair);
        }
    }
}
