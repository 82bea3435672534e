namespace Mediator.Broker.Device;

/// <summary>
/// A run of consecutive descriptors of a ring, translated once: ring indices [<see cref="First"/>,
/// <see cref="First"/> + <see cref="Count"/>) live at <see cref="Host"/> in <see cref="Region"/>. Valid only
/// during the device step that translated it (the bus keeps the region's memory until the step ends).
/// </summary>
internal readonly unsafe struct RingRun
{
    public RingRun(uint first, uint count, byte* host, BusRegion region)
    {
        First = first;
        Count = count;
        Host = host;
        Region = region;
    }

    /// <summary>Ring index of the first descriptor of the run.</summary>
    public uint First { get; }

    /// <summary>Descriptors in the run (0: no run).</summary>
    public uint Count { get; }

    /// <summary>Host address of descriptor <see cref="First"/>.</summary>
    public byte* Host { get; }

    /// <summary>The region the run lies in.</summary>
    public BusRegion Region { get; }
}
