using Mediator.Cli.Traffic;

namespace Mediator.Tests.Cli;

public class TestFrameWriterTests
{
    private static readonly byte[] Dst = [0x02, 0x4d, 0x44, 0, 0, 1];
    private static readonly byte[] Src = [0x02, 0x4d, 0x44, 0, 0, 2];

    [Theory]
    [InlineData(TestFrame.MinLength)]
    [InlineData(64)]
    [InlineData(512)]
    [InlineData(1514)]
    public void Writes_the_reference_frame_byte_for_byte(int length)
    {
        var writer = new TestFrameWriter(length, Dst, Src, generator: 7);
        var expected = new byte[length];
        var actual = new byte[length + 16];
        // Every seed byte, and sequence numbers whose seeds wrap.
        foreach (ulong sequence in Enumerable.Range(0, 600).Select(i => (ulong)i).Append(ulong.MaxValue).Append(1UL << 40))
        {
            TestFrame.Write(expected, Dst, Src, 7, sequence);
            actual.AsSpan().Fill(0xEE);
            writer.Write(actual, sequence);
            Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(0, length)), $"sequence {sequence}");
            Assert.All(actual[length..], b => Assert.Equal(0xEE, b)); // writes exactly Length bytes
            Assert.True(TestFrame.TryVerify(actual.AsSpan(0, length), out uint generator, out ulong back));
            Assert.Equal(7u, generator);
            Assert.Equal(sequence, back);
        }
    }

    [Fact]
    public void A_corrupted_body_byte_fails_verification()
    {
        var writer = new TestFrameWriter(64, Dst, Src, generator: 1);
        var frame = new byte[64];
        writer.Write(frame, 12345);
        frame[50] ^= 1;
        Assert.False(TestFrame.TryVerify(frame, out _, out _));
    }

    [Fact]
    public void Refuses_frames_shorter_than_the_header()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TestFrameWriter(TestFrame.MinLength - 1, Dst, Src, 1));
    }
}
