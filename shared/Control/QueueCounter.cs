namespace Mediator.Control;

/// <summary>
/// The counters of a StatsReply, in wire order: a StatsReply body is a u32 queue id, a u32 count N,
/// then N u64 values indexed by this enum. New counters are only ever appended.
/// </summary>
public enum QueueCounter
{
    /// <summary>TX requests taken from the client's ring.</summary>
    TxRequests,
    /// <summary>TX requests that passed validation and went to the device.</summary>
    TxAccepted,
    /// <summary>TX completions the device reported done (sent on the wire).</summary>
    TxSent,
    /// <summary>Bytes of <see cref="TxSent"/>.</summary>
    TxBytes,
    /// <summary>TX requests refused (sum of the TX refusal reasons).</summary>
    TxRefused,
    /// <summary>Fill entries taken from the client's ring.</summary>
    FillRequests,
    /// <summary>Fill entries refused (not the client's, misaligned, out of bounds).</summary>
    FillRefused,
    /// <summary>RX descriptors armed at the device.</summary>
    RxArmed,
    /// <summary>Frames delivered on the client's RX ring.</summary>
    RxDelivered,
    /// <summary>Bytes of <see cref="RxDelivered"/>.</summary>
    RxBytes,
    /// <summary>Frames for this queue the device dropped because no RX buffer was armed.</summary>
    RxNoBuffer,
    /// <summary>Producer indices from the client that claimed more entries than the ring holds.</summary>
    RingIndexInvalid,
    /// <summary>Kicks the broker received on its eventfds.</summary>
    Wakeups,
    /// <summary>Notifications the broker sent on the client's eventfds.</summary>
    Notifications,
    /// <summary>Refusals: offset out of bounds.</summary>
    RefusedOffsetOutOfBounds,
    /// <summary>Refusals: zero length.</summary>
    RefusedLengthZero,
    /// <summary>Refusals: shorter than an Ethernet header.</summary>
    RefusedFrameTooShort,
    /// <summary>Refusals: longer than allowed.</summary>
    RefusedFrameTooLong,
    /// <summary>Refusals: crosses a frame boundary.</summary>
    RefusedCrossesFrameBoundary,
    /// <summary>Refusals: reserved bits set.</summary>
    RefusedReservedBitsSet,
    /// <summary>Refusals: frame not owned by the client at the time (in flight, posted for RX).</summary>
    RefusedFrameNotOwned,
    /// <summary>Refusals: fill entry not frame-aligned.</summary>
    RefusedMisaligned,
    /// <summary>Requests cancelled by a queue close.</summary>
    Cancelled,
    /// <summary>Broker-wide only: DMA reads the device made (from its audit).</summary>
    DmaReads,
    /// <summary>Broker-wide only: DMA writes the device made, MSI-X messages included.</summary>
    DmaWrites,
    /// <summary>Broker-wide only: DMA accesses to unmapped bus addresses.</summary>
    DmaFaults,
    /// <summary>Broker-wide only: DMA on behalf of a queue that touched memory its client does not own (must stay 0).</summary>
    DmaViolations,
    /// <summary>Broker-wide only: 1 while the broker's canary page is intact.</summary>
    CanaryIntact,
    /// <summary>Refusals: the source MAC is not the queue's assigned MAC.</summary>
    RefusedSourceMacSpoofed,
    /// <summary>Refusals: the VLAN tag breaks the policy's VLAN rule.</summary>
    RefusedVlanViolation,
    /// <summary>Refusals: the ethertype is not on the policy's allow-list.</summary>
    RefusedEthertypeNotAllowed,
    /// <summary>Refusals: over the policy's packet or bit rate.</summary>
    RefusedRateLimited,
    /// <summary>Broker-wide only: frames the device transmitted on port 0, every queue and mode (its GPTC).</summary>
    DeviceTxFrames,
    /// <summary>Broker-wide only: frames the device wrote into RX buffers on port 0, every queue and mode (its GPRC).</summary>
    DeviceRxFrames,
    /// <summary>vhost-user: frames taken from the guest's TX virtqueue and posted as TX requests.</summary>
    VhostTxFrames,
    /// <summary>vhost-user: TX descriptor chains refused (sum of the Vhost refusal reasons on TX).</summary>
    VhostTxRefused,
    /// <summary>vhost-user: frames copied into the guest's RX buffers.</summary>
    VhostRxFrames,
    /// <summary>vhost-user: frames from the device dropped because the guest had posted no RX buffer.</summary>
    VhostRxNoGuestBuffer,
    /// <summary>vhost-user: RX descriptor chains refused (sum of the Vhost refusal reasons on RX).</summary>
    VhostRxRefused,
    /// <summary>vhost-user refusals: the available index jumped by more than the ring size.</summary>
    VhostRefusedAvailIndexJump,
    /// <summary>vhost-user refusals: a head or next index outside the descriptor table.</summary>
    VhostRefusedIndexOutOfRange,
    /// <summary>vhost-user refusals: a chain longer than the ring (a loop).</summary>
    VhostRefusedChainLoop,
    /// <summary>vhost-user refusals: an indirect descriptor (not negotiated).</summary>
    VhostRefusedIndirect,
    /// <summary>vhost-user refusals: a buffer pointing the wrong way (writable on TX, read-only on RX).</summary>
    VhostRefusedWrongDirection,
    /// <summary>vhost-user refusals: a buffer not wholly inside one region of the memory table.</summary>
    VhostRefusedOutsideMemory,
    /// <summary>vhost-user refusals: zero-length buffer, TX chain shorter than the header or longer than a frame, RX chain too small.</summary>
    VhostRefusedBadLength,
    /// <summary>Number of counters.</summary>
    Count,
}
