using System.Buffers.Binary;
using System.Diagnostics;

namespace Mediator.Broker.Device;

/// <summary>
/// A traffic source feeding a port's receive side: each poll it builds the frames that are due (at the
/// configured rate, or as many as the budget allows) and delivers them as one burst. The payload starts
/// with a 64-bit little-endian sequence number (at <see cref="SequenceOffset"/>), so a receiver can
/// check order and loss. Frames transmitted into a generator are counted and dropped.
/// </summary>
public sealed class TrafficGenerator : Wire
{
    /// <summary>Offset of the sequence number in each frame (right after the Ethernet header).</summary>
    public const int SequenceOffset = 14;

    private readonly NicPort _target;
    private readonly TrafficGeneratorOptions _options;
    private readonly FrameBatch _batch;
    private readonly byte[] _template;
    private long _last = long.MinValue;
    private long _credit; // frame·ticks
    private long _sequence;
    private long _delivered;
    private long _sunk;

    /// <summary>A generator delivering into <paramref name="target"/>.</summary>
    public TrafficGenerator(NicPort target, TrafficGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FrameSize, SequenceOffset + sizeof(ulong));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.FrameSize, FrameBatch.MaxFrameSize);
        ArgumentOutOfRangeException.ThrowIfNegative(options.FramesPerSecond);
        _target = target;
        _options = options;
        _batch = new FrameBatch(options.Burst);
        _template = new byte[options.FrameSize];
        MacAddress.Write(options.DestinationMac, _template);
        MacAddress.Write(options.SourceMac, _template.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(_template.AsSpan(12), options.EtherType);
        for (int i = SequenceOffset + sizeof(ulong); i < _template.Length; i++)
        {
            _template[i] = (byte)i; // a recognisable payload
        }
    }

    /// <summary>Frames generated so far (= the next sequence number).</summary>
    public long Generated => Volatile.Read(ref _sequence); // engine writes plainly (single writer)

    /// <summary>Generated frames the port accepted into an RX descriptor.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Frames transmitted into the generator (dropped).</summary>
    public long Sunk => Volatile.Read(ref _sunk);

    /// <summary>Reads the sequence number of a generated frame.</summary>
    public static ulong ReadSequence(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt64LittleEndian(frame[SequenceOffset..]);

    /// <inheritdoc />
    public override void Transmit(NicPort from, FrameBatch frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        _sunk += frames.Count;
    }

    /// <inheritdoc />
    public override bool IsSource => true;

    /// <inheritdoc />
    public override int Poll(int budget, long timestamp)
    {
        long due = Math.Min(budget, _batch.Capacity);
        if (_options.FrameLimit > 0)
        {
            due = Math.Min(due, _options.FrameLimit - _sequence);
        }
        if (_options.FramesPerSecond > 0)
        {
            due = Math.Min(due, Accrue(timestamp));
        }
        if (due <= 0)
        {
            return 0;
        }
        _batch.Clear();
        for (long i = 0; i < due; i++)
        {
            Span<byte> slot = _batch.Reserve();
            _template.CopyTo(slot);
            BinaryPrimitives.WriteUInt64LittleEndian(slot[SequenceOffset..], (ulong)_sequence++);
            _batch.Commit(_template.Length);
        }
        if (_options.FramesPerSecond > 0)
        {
            _credit -= due * Stopwatch.Frequency;
        }
        _delivered += _target.Receive(_batch);
        return (int)due;
    }

    // Credit in frame·ticks (frames × Stopwatch frequency); at most one burst can be banked.
    private long Accrue(long now)
    {
        if (_last == long.MinValue)
        {
            _last = now;
            return 0;
        }
        long elapsed = now - _last;
        _last = now;
        long cap = _batch.Capacity * Stopwatch.Frequency;
        if (elapsed > 0)
        {
            _credit = elapsed >= cap / _options.FramesPerSecond + 1 ? cap : Math.Min(cap, _credit + elapsed * _options.FramesPerSecond);
        }
        return _credit / Stopwatch.Frequency;
    }
}
