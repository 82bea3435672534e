namespace Mediator.Broker.Device;

/// <summary>What a <see cref="TrafficGenerator"/> produces.</summary>
public sealed class TrafficGeneratorOptions
{
    /// <summary>Destination MAC (packed, see <see cref="MacAddress"/>): decides the RX queue.</summary>
    public ulong DestinationMac { get; init; } = MacAddress.Broadcast;

    /// <summary>Source MAC (packed).</summary>
    public ulong SourceMac { get; init; } = 0x00_00_00_00_00_02; // 02:00:00:00:00:00, locally administered

    /// <summary>EtherType (default 0x88B5, IEEE local experimental).</summary>
    public ushort EtherType { get; init; } = 0x88B5;

    /// <summary>Frame bytes without FCS (22..<see cref="FrameBatch.MaxFrameSize"/>).</summary>
    public int FrameSize { get; init; } = 60;

    /// <summary>Frames per second (0: as many as the step's budget allows).</summary>
    public long FramesPerSecond { get; init; }

    /// <summary>Stop after this many frames (0: never).</summary>
    public long FrameLimit { get; init; }

    /// <summary>Frames per burst delivered to the port.</summary>
    public int Burst { get; init; } = 64;
}
