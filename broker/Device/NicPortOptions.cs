using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>Configuration of one modelled NIC function.</summary>
public sealed class NicPortOptions
{
    /// <summary>Queue pairs the port offers (1..<see cref="Registers.MaxQueues"/>).</summary>
    public int QueueCount { get; init; } = 4;

    /// <summary>Descriptors one TX queue may process per step before the next queue's turn.</summary>
    public int TxBurst { get; init; } = 64;

    /// <summary>Line rate for TX pacing in bits/s (0: unpaced, as fast as the model runs). 10 GbE: 10_000_000_000.</summary>
    public long LineRateBitsPerSecond { get; init; }

    /// <summary>A name for diagnostics (default "port{index}").</summary>
    public string? Name { get; init; }
}
