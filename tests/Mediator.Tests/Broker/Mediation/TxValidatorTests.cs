using Mediator.Abi;
using Mediator.Broker.Mediation;

namespace Mediator.Tests.Broker.Mediation;

public sealed class TxValidatorTests
{
    private const ulong Umem = 64 * 2048;
    private const uint Mask = 2047;
    private const uint Max = 1514;

    [Theory]
    // the good ones, at the edges
    [InlineData(0ul, 14u, 0u, RequestStatus.Ok)]
    [InlineData(0ul, 1514u, 0u, RequestStatus.Ok)]
    [InlineData(Umem - 2048, 1514u, 0u, RequestStatus.Ok)]
    [InlineData(Umem - 14, 14u, 0u, RequestStatus.Ok)]          // last 14 bytes of the UMEM
    [InlineData(2048ul + 534, 1514u, 0u, RequestStatus.Ok)]      // ends exactly at the frame end
    // reserved bits come first, whatever else is wrong
    [InlineData(0ul, 60u, 1u, RequestStatus.ReservedBitsSet)]
    [InlineData(0ul, 60u, 0x8000_0000u, RequestStatus.ReservedBitsSet)]
    [InlineData(ulong.MaxValue, 0u, uint.MaxValue, RequestStatus.OffsetOutOfBounds)] // rules apply in status-code order (docs/abi.md §6)
    // offset
    [InlineData(Umem, 60u, 0u, RequestStatus.OffsetOutOfBounds)]
    [InlineData(Umem + 1, 60u, 0u, RequestStatus.OffsetOutOfBounds)]
    [InlineData(ulong.MaxValue, 60u, 0u, RequestStatus.OffsetOutOfBounds)]
    [InlineData(1ul << 32, 60u, 0u, RequestStatus.OffsetOutOfBounds)] // would alias frame 0 if truncated to 32 bits
    [InlineData(Umem, 0u, 0u, RequestStatus.OffsetOutOfBounds)]       // offset checked before length
    // length
    [InlineData(0ul, 0u, 0u, RequestStatus.LengthZero)]
    [InlineData(0ul, 1u, 0u, RequestStatus.FrameTooShort)]
    [InlineData(0ul, 13u, 0u, RequestStatus.FrameTooShort)]
    [InlineData(0ul, 1515u, 0u, RequestStatus.FrameTooLong)]
    [InlineData(0ul, 2048u, 0u, RequestStatus.FrameTooLong)]
    [InlineData(0ul, uint.MaxValue, 0u, RequestStatus.FrameTooLong)]
    // frame boundary, including arithmetic overflow
    [InlineData(2048ul - 10, 20u, 0u, RequestStatus.CrossesFrameBoundary)]
    [InlineData(2048ul + 535, 1514u, 0u, RequestStatus.CrossesFrameBoundary)] // one byte past the frame end
    [InlineData(Umem - 13, 14u, 0u, RequestStatus.CrossesFrameBoundary)]     // one byte past the UMEM end
    [InlineData(Umem - 1, 14u, 0u, RequestStatus.CrossesFrameBoundary)]
    public void Validate_returns_the_first_rule_broken(ulong offset, uint length, uint options, RequestStatus expected)
    {
        var request = new TxRequest { Offset = offset, Length = length, Options = options };
        Assert.Equal(expected, TxValidator.Validate(in request, Umem, Mask, Max));
    }

    [Fact]
    public void Validate_does_not_overflow_when_max_frame_length_allows_anything()
    {
        // With the policy cap out of the way, only the overflow-safe boundary rule stands between
        // offset = size - 1 and length = uint.MaxValue (offset + length would wrap).
        var request = new TxRequest { Offset = Umem - 1, Length = uint.MaxValue };
        Assert.Equal(RequestStatus.CrossesFrameBoundary, TxValidator.Validate(in request, Umem, Mask, uint.MaxValue));
        var whole = new TxRequest { Offset = Umem - 2048, Length = 2048 };
        Assert.Equal(RequestStatus.Ok, TxValidator.Validate(in whole, Umem, Mask, uint.MaxValue));
        var oneMore = new TxRequest { Offset = Umem - 2048, Length = 2049 };
        Assert.Equal(RequestStatus.CrossesFrameBoundary, TxValidator.Validate(in oneMore, Umem, Mask, uint.MaxValue));
    }

    [Theory]
    [InlineData(0ul, RequestStatus.Ok)]
    [InlineData(2048ul, RequestStatus.Ok)]
    [InlineData(Umem - 2048, RequestStatus.Ok)]
    [InlineData(1ul, RequestStatus.Misaligned)]
    [InlineData(2047ul, RequestStatus.Misaligned)]
    [InlineData(Umem - 1, RequestStatus.Misaligned)]
    [InlineData(Umem, RequestStatus.OffsetOutOfBounds)]
    [InlineData(Umem + 2048, RequestStatus.OffsetOutOfBounds)]
    [InlineData(1ul << 32, RequestStatus.OffsetOutOfBounds)]
    [InlineData(ulong.MaxValue, RequestStatus.OffsetOutOfBounds)]
    [InlineData(ulong.MaxValue - 2047, RequestStatus.OffsetOutOfBounds)] // frame-aligned but far out
    public void ValidateFill_accepts_only_frame_starts_inside_the_umem(ulong offset, RequestStatus expected)
    {
        var entry = new FillEntry { Offset = offset };
        Assert.Equal(expected, TxValidator.ValidateFill(in entry, Umem, Mask));
    }
}
