namespace Mediator.Broker.Device;

/// <summary>
/// Model-side counters of one port: the reasons frames were dropped and the events the datasheet
/// registers do not name. Written only by the DMA engine thread (plain increments); read through
/// <see cref="Snapshot"/> with Volatile loads, which may lag a few events.
/// </summary>
internal sealed class PortCounters
{
    internal long TxFrames;
    internal long TxBytes;
    internal long RxFrames;
    internal long RxBytes;
    internal long UnknownDestinationDrops;
    internal long RuntDrops;
    internal long SteeredToBadQueueDrops;
    internal long DisabledQueueDrops;
    internal long NoDescriptorDrops;
    internal long DmaFaults;
    internal long DescriptorFetchFaults;
    internal long BadTailDoorbells;
    internal long TxMalformed;
    internal long RxTruncated;
    internal long QueueConfigErrors;
    internal long NoWireDrops;
    internal long PacingStalls;
    internal long MsixMessages;
    internal long MsixThrottled;
    internal long MsixFaults;
    internal long InvalidVectors;

    public PortStatistics Snapshot() => new(
        Volatile.Read(ref TxFrames), Volatile.Read(ref TxBytes), Volatile.Read(ref RxFrames), Volatile.Read(ref RxBytes),
        Volatile.Read(ref UnknownDestinationDrops), Volatile.Read(ref RuntDrops), Volatile.Read(ref SteeredToBadQueueDrops),
        Volatile.Read(ref DisabledQueueDrops), Volatile.Read(ref NoDescriptorDrops), Volatile.Read(ref DmaFaults),
        Volatile.Read(ref DescriptorFetchFaults), Volatile.Read(ref BadTailDoorbells), Volatile.Read(ref TxMalformed),
        Volatile.Read(ref RxTruncated), Volatile.Read(ref QueueConfigErrors), Volatile.Read(ref NoWireDrops),
        Volatile.Read(ref PacingStalls), Volatile.Read(ref MsixMessages), Volatile.Read(ref MsixThrottled),
        Volatile.Read(ref MsixFaults), Volatile.Read(ref InvalidVectors));
}

/// <summary>A copy of a port's model-side counters.</summary>
/// <param name="TxFrames">Frames handed to the wire.</param>
/// <param name="TxBytes">Bytes handed to the wire.</param>
/// <param name="RxFrames">Frames written to an RX queue.</param>
/// <param name="RxBytes">Bytes written to RX buffers.</param>
/// <param name="UnknownDestinationDrops">Frames to a unicast/multicast MAC no RAL/RAH filter names.</param>
/// <param name="RuntDrops">Frames shorter than an Ethernet header.</param>
/// <param name="SteeredToBadQueueDrops">Frames a filter steered to a queue the port does not have.</param>
/// <param name="DisabledQueueDrops">Frames steered to a disabled RX queue.</param>
/// <param name="NoDescriptorDrops">Frames dropped for lack of an armed RX descriptor (also in RNBC).</param>
/// <param name="DmaFaults">Buffer addresses that did not translate (also in DMAERR).</param>
/// <param name="DescriptorFetchFaults">Ring addresses that did not translate; the queue stopped.</param>
/// <param name="BadTailDoorbells">TDT/RDT values beyond the ring, ignored.</param>
/// <param name="TxMalformed">TX descriptors of length 0 or above <see cref="FrameBatch.MaxFrameSize"/> (skipped, DD written).</param>
/// <param name="RxTruncated">Frames cut to the RX buffer size (flagged RXE).</param>
/// <param name="QueueConfigErrors">Queue enables refused for a bad base or length.</param>
/// <param name="NoWireDrops">Frames transmitted with no wire attached.</param>
/// <param name="PacingStalls">Times the line-rate pacer stopped a TX burst.</param>
/// <param name="MsixMessages">MSI-X messages written.</param>
/// <param name="MsixThrottled">Times a pending vector was held back by EITR.</param>
/// <param name="MsixFaults">MSI-X messages whose address did not translate.</param>
/// <param name="InvalidVectors">IVAR entries naming a vector without a cause bit (32 or above).</param>
public readonly record struct PortStatistics(long TxFrames, long TxBytes, long RxFrames, long RxBytes,
    long UnknownDestinationDrops, long RuntDrops, long SteeredToBadQueueDrops, long DisabledQueueDrops,
    long NoDescriptorDrops, long DmaFaults, long DescriptorFetchFaults, long BadTailDoorbells, long TxMalformed,
    long RxTruncated, long QueueConfigErrors, long NoWireDrops, long PacingStalls, long MsixMessages,
    long MsixThrottled, long MsixFaults, long InvalidVectors);
