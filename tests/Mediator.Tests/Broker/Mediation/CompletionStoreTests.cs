using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Broker.Mediation;

namespace Mediator.Tests.Broker.Mediation;

public sealed unsafe class CompletionStoreTests
{
    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 0)]
    [InlineData(true, 8)] // an entry that is not 16-byte aligned falls back to a plain store
    public void Writes_every_field_and_zeroes_reserved(bool stream, int misalign)
    {
        byte* block = (byte*)NativeMemory.AlignedAlloc(64, 64);
        try
        {
            new Span<byte>(block, 64).Fill(0xEE);
            ref Completion c = ref *(Completion*)(block + misalign);
            CompletionStore.Write(ref c, 0x0000_1234_5678_9000, 1514, RequestStatus.FrameNotOwned, stream);
            Mediator.Native.StreamingStore.Fence();
            Assert.Equal(0x0000_1234_5678_9000UL, c.Offset);
            Assert.Equal(1514u, c.Length);
            Assert.Equal((ushort)RequestStatus.FrameNotOwned, c.Status);
            Assert.Equal(0, c.Reserved);
        }
        finally
        {
            NativeMemory.AlignedFree(block);
        }
    }
}
