namespace Mediator.Abi;

/// <summary>Bits of the flags word that sits next to a ring index.</summary>
[Flags]
public enum RingFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>
    /// Set by the side that owns this index line when it is about to sleep: the other side must
    /// signal its eventfd after publishing. Clear means "I am polling; do not make a system call".
    /// Same meaning as AF_XDP's XDP_RING_NEED_WAKEUP.
    /// </summary>
    NeedWakeup = 1,
}
