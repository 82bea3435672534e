using System.Diagnostics;

namespace Mediator.Broker.Device;

/// <summary>
/// Line-rate pacing of a port's TX: a frame leaves only when the bucket holds the bits it occupies on
/// the wire (frame padded to 60 bytes, + 4 FCS + 20 of preamble, SFD and inter-frame gap). Credit is
/// kept in bit·ticks (bits × Stopwatch frequency) so the arithmetic stays integral; the bucket holds at
/// at most <see cref="BurstFrames"/> standard (1514-byte) frames, or one jumbo frame if that is more, so
/// an idle port cannot bank an unbounded burst. It starts full.
/// </summary>
internal sealed class TokenBucket
{
    public const int BurstFrames = 64;
    private const int MinFrame = 60;
    private const int StandardFrame = 1514;
    private const int FcsBytes = 4;
    private const int PreambleAndGapBytes = 20;

    private readonly long _bitsPerSecond;
    private readonly long _depth;      // bit·ticks
    private readonly long _maxElapsed; // ticks that fill an empty bucket; caps elapsed*rate against overflow
    private long _credit;
    private long _last = long.MinValue;

    public TokenBucket(long bitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bitsPerSecond);
        _bitsPerSecond = bitsPerSecond;
        _depth = Math.Max(WireBits(StandardFrame) * BurstFrames, WireBits(FrameBatch.MaxFrameSize)) * Stopwatch.Frequency;
        _maxElapsed = Math.Max(1, _depth / bitsPerSecond);
    }

    /// <summary>Bits a frame of <paramref name="length"/> bytes (FCS excluded) occupies on the wire.</summary>
    public static long WireBits(uint length) => (Math.Max(length, MinFrame) + FcsBytes + PreambleAndGapBytes) * 8L;

    /// <summary>Takes the credit for one frame if the bucket has it at <paramref name="now"/>.</summary>
    public bool TryConsume(uint length, long now)
    {
        if (_last == long.MinValue)
        {
            _last = now;
            _credit = _depth; // start full: the first burst goes at once
        }
        long elapsed = now - _last;
        if (elapsed > 0)
        {
            _last = now;
            _credit = elapsed >= _maxElapsed ? _depth : Math.Min(_depth, _credit + elapsed * _bitsPerSecond);
        }
        long cost = WireBits(length) * Stopwatch.Frequency;
        if (_credit < cost)
        {
            return false;
        }
        _credit -= cost;
        return true;
    }
}
