namespace Mediator.Broker.Device;

/// <summary>A port's transmit comes straight back as its own receive (like a loopback plug).</summary>
public sealed class LoopbackWire : Wire
{
    /// <inheritdoc />
    public override void Transmit(NicPort from, FrameBatch frames)
    {
        ArgumentNullException.ThrowIfNull(from);
        from.Receive(frames);
    }
}
