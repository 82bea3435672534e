using Mediator.Broker.Vhost;

namespace Mediator.Tests.Broker.Vhost;

/// <summary>
/// <see cref="FrameCopy.Copy"/>'s inline path writes head and tail vectors that overlap: every length
/// around its edges (0 to 31 by memmove, 32 to 128 by vectors, above by memmove) must copy exactly
/// its bytes, at any alignment, and write nothing before or after them.
/// </summary>
public sealed unsafe class FrameCopyTests
{
    [Fact]
    public void Every_length_copies_exactly_its_bytes_and_nothing_around_them()
    {
        const int Guard = 64;
        var source = new byte[512];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (byte)(i * 7 + 1);
        }
        var target = new byte[512];
        fixed (byte* from = source)
        fixed (byte* to = target)
        {
            for (uint length = 0; length <= 200; length++)
            {
                for (int misalign = 0; misalign < 3; misalign++)
                {
                    Array.Fill(target, (byte)0xEE);
                    FrameCopy.Copy(to + Guard + misalign, from + 5 + misalign, length);
                    for (int i = 0; i < target.Length; i++)
                    {
                        int at = i - Guard - misalign;
                        byte want = at >= 0 && at < length ? source[5 + misalign + at] : (byte)0xEE;
                        Assert.True(want == target[i], $"length {length}, misalignment {misalign}: byte {i} is {target[i]:x2}, expected {want:x2}");
                    }
                }
            }
        }
    }
}
