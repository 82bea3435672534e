namespace Mediator.Broker.Device;

/// <summary>A cable between two ports: what one transmits, the other receives.</summary>
public sealed class CrossoverWire : Wire
{
    /// <summary>Connects <paramref name="a"/> and <paramref name="b"/>.</summary>
    public CrossoverWire(NicPort a, NicPort b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a == b)
        {
            throw new ArgumentException("a crossover joins two different ports; use a loopback", nameof(b));
        }
        A = a;
        B = b;
    }

    /// <summary>One end.</summary>
    public NicPort A { get; }

    /// <summary>The other end.</summary>
    public NicPort B { get; }

    /// <inheritdoc />
    public override void Transmit(NicPort from, FrameBatch frames) => (from == A ? B : A).Receive(frames);
}
