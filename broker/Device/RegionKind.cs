namespace Mediator.Broker.Device;

/// <summary>
/// What a bus region holds. The kind only labels the region for the audit and for the violation rule
/// (<see cref="DmaAudit"/>); the device itself treats every mapped byte alike, as real hardware does.
/// </summary>
public enum RegionKind
{
    /// <summary>A descriptor ring the device walks (any queue may touch it without a violation).</summary>
    DeviceRing,
    /// <summary>Broker-private memory (bounce buffers, bookkeeping).</summary>
    BrokerPrivate,
    /// <summary>A page filled with a known pattern: any write to it is proof of a stray DMA.</summary>
    Canary,
    /// <summary>The page MSI-X messages are written to; writes here become eventfd signals.</summary>
    InterruptPage,
    /// <summary>A client's packet buffer area (UMEM).</summary>
    ClientUmem,
    /// <summary>A device BAR made visible on the bus (peer-to-peer DMA reaches registers).</summary>
    Bar,
    /// <summary>Anything else.</summary>
    Other,
}
