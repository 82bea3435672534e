namespace Mediator.Policies;

/// <summary>What a policy says about 802.1Q VLAN tags on the frames a client sends.</summary>
public enum VlanMode
{
    /// <summary>No VLAN rule: tagged and untagged frames alike pass.</summary>
    None,
    /// <summary>Only untagged frames: a frame with an 802.1Q (0x8100) or 802.1ad (0x88A8) tag is refused.</summary>
    Untagged,
    /// <summary>Only frames tagged 802.1Q with the policy's <c>VlanId</c> (any priority) pass.</summary>
    Require,
    /// <summary>
    /// The client sends untagged frames and the broker inserts the policy's tag (<c>VlanId</c>,
    /// <c>VlanPriority</c>) into the header it posts from its own memory; a frame the client tagged itself is refused.
    /// </summary>
    Insert,
}
