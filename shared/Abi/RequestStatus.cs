namespace Mediator.Abi;

/// <summary>
/// What became of a request: the status word of a <see cref="Completion"/>. Every refusal has its
/// own code and its own broker counter, so nothing is dropped silently.
/// </summary>
public enum RequestStatus : ushort
{
    /// <summary>Sent (TX) or received (RX).</summary>
    Ok = 0,
    /// <summary>The offset lies outside the client's UMEM.</summary>
    OffsetOutOfBounds = 1,
    /// <summary>Length zero.</summary>
    LengthZero = 2,
    /// <summary>Shorter than an Ethernet header (14 bytes).</summary>
    FrameTooShort = 3,
    /// <summary>Longer than the maximum frame length the client's policy allows.</summary>
    FrameTooLong = 4,
    /// <summary>The span runs past the end of the frame it starts in.</summary>
    CrossesFrameBoundary = 5,
    /// <summary>A reserved field or bit is not zero.</summary>
    ReservedBitsSet = 6,
    /// <summary>The frame is already in flight at the device or posted for receive: not the client's to use.</summary>
    FrameNotOwned = 7,
    /// <summary>A fill entry that is not the start of a frame.</summary>
    Misaligned = 8,
    /// <summary>The source MAC is not the one the policy assigns the client.</summary>
    SourceMacSpoofed = 9,
    /// <summary>The VLAN tag breaks the client's policy.</summary>
    VlanViolation = 10,
    /// <summary>The ethertype is not on the client's allow-list.</summary>
    EthertypeNotAllowed = 11,
    /// <summary>The client's rate limit was exceeded.</summary>
    RateLimited = 12,
    /// <summary>The queue was being closed; the request never reached the wire.</summary>
    Cancelled = 13,
    /// <summary>The device reported an error for this descriptor.</summary>
    DeviceError = 14,
}
