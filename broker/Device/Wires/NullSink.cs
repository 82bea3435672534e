namespace Mediator.Broker.Device;

/// <summary>Counts and drops everything transmitted into it (a TX benchmark's far end).</summary>
public sealed class NullSink : Wire
{
    private long _frames;
    private long _bytes;

    /// <summary>Frames swallowed.</summary>
    public long Frames => Volatile.Read(ref _frames); // engine increments plainly (single writer)

    /// <summary>Bytes swallowed.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <inheritdoc />
    public override void Transmit(NicPort from, FrameBatch frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        long bytes = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            bytes += frames.FrameLength(i);
        }
        _frames += frames.Count;
        _bytes += bytes;
    }
}
