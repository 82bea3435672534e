using System.Buffers.Binary;
using Mediator.Control;

namespace Mediator.Tests.Shared.Control;

/// <summary>Whatever a hostile peer sends, the codec answers with the documented error and reads nothing past the message.</summary>
public class ControlMalformedTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    public void Shorter_than_a_header_is_malformed(int length) =>
        Assert.Equal(ErrorCode.Malformed, ControlCodec.TryReadHeader(Valid().AsSpan(0, length), out _));

    [Fact]
    public void Bad_magic_is_malformed()
    {
        var m = Valid();
        m[0] ^= 1;
        Assert.Equal(ErrorCode.Malformed, ControlCodec.TryReadHeader(m, out _));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(23u)]
    [InlineData(25u)]
    [InlineData(uint.MaxValue)]
    public void Length_field_that_disagrees_with_the_bytes_received_is_malformed(uint length)
    {
        var m = Valid();
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), length);
        Assert.Equal(ErrorCode.Malformed, ControlCodec.TryReadHeader(m, out _));
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)2)]
    [InlineData(ushort.MaxValue)]
    public void Other_version_is_unsupported(ushort version)
    {
        var m = Valid();
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), version);
        Assert.Equal(ErrorCode.UnsupportedVersion, ControlCodec.TryReadHeader(m, out _));
    }

    [Fact]
    public void Longer_than_the_maximum_is_too_large()
    {
        var m = new byte[ControlCodec.MaxMessageSize + 8];
        ControlCodec.WriteEmpty(m, MessageType.Hello, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), (uint)m.Length);
        Assert.Equal(ErrorCode.TooLarge, ControlCodec.TryReadHeader(m, out _));
    }

    [Fact]
    public void A_message_of_exactly_the_maximum_passes_the_header_check()
    {
        var m = new byte[ControlCodec.MaxMessageSize];
        ControlCodec.WriteEmpty(m, MessageType.Hello, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), (uint)m.Length);
        Assert.Equal(ErrorCode.None, ControlCodec.TryReadHeader(m, out _));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(25)]
    [InlineData(56)]
    public void Body_of_the_wrong_size_is_refused(int length)
    {
        var m = new byte[length];
        Assert.False(ControlCodec.TryReadBody<StatsRequest>(m, out var body));
        Assert.Equal(default, body);
    }

    [Fact]
    public void Error_text_longer_than_240_bytes_is_refused()
    {
        var m = new byte[24 + ErrorReply.MaxTextBytes + 1];
        m.AsSpan(24).Fill((byte)'a');
        Assert.False(ControlCodec.TryReadError(m, out _, out _));
        Assert.True(ControlCodec.TryReadError(m.AsSpan(0, m.Length - 1), out _, out string text));
        Assert.Equal(240, text.Length);
    }

    [Fact]
    public void Error_shorter_than_its_fixed_part_is_refused() =>
        Assert.False(ControlCodec.TryReadError(new byte[23], out _, out _));

    [Theory]
    [InlineData(257u, 257)]  // more counters than any revision sends
    [InlineData(3u, 2)]      // count says 3, two arrived
    [InlineData(2u, 3)]      // count says 2, three arrived
    [InlineData(uint.MaxValue, 1)]
    public void Stats_whose_count_disagrees_or_is_absurd_is_refused(uint count, int present)
    {
        var m = new byte[24 + 8 * present];
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(20), count);
        Assert.False(ControlCodec.TryReadStats(m, out _, out var counters));
        Assert.Empty(counters);
    }

    [Fact]
    public void Stats_shorter_than_its_fixed_part_is_refused() =>
        Assert.False(ControlCodec.TryReadStats(new byte[23], out _, out _));

    [Fact]
    public void Stats_with_zero_counters_is_fine()
    {
        Assert.True(ControlCodec.TryReadStats(new byte[24], out _, out var counters));
        Assert.Empty(counters);
    }

    [Fact]
    public void Invalid_utf8_in_a_name_field_is_replaced_not_thrown()
    {
        byte[] field = [0x61, 0xFF, 0xC3, 0x00, 0x62];
        Assert.Equal("a\uFFFD\uFFFD", ControlCodec.FromUtf8Field(field));
    }

    private static byte[] Valid()
    {
        var m = new byte[24];
        ControlCodec.Write(m, MessageType.Stats, 1, new StatsRequest());
        return m;
    }
}
