namespace Mediator.Eval;

/// <summary>What the oracle concluded about one attack in one mode, worst first after <see cref="Blocked"/>.</summary>
public enum Outcome
{
    /// <summary>No evidence of harm: no foreign DMA, canaries intact, victim served, broker alive.</summary>
    Blocked,
    /// <summary>The victim lost more than 10 % of its baseline throughput, or the broker stalled.</summary>
    Denied,
    /// <summary>The device read memory the attacker does not own.</summary>
    Leaked,
    /// <summary>The device (or an MSI-X message) wrote memory the attacker does not own, or a canary changed.</summary>
    Corrupted,
    /// <summary>The broker died or its data path faulted.</summary>
    Crashed,
    /// <summary>The cell was not run (the mode is not available yet); never counted as a result.</summary>
    NotRun,
}

/// <summary>The eight families of the attack catalogue.</summary>
public enum AttackFamily
{
    /// <summary>1. Offsets and lengths of TX requests and fill entries.</summary>
    AddressesAndLengths,
    /// <summary>2. Ring producer/consumer indices.</summary>
    RingIndices,
    /// <summary>3. Time-of-check/time-of-use races on shared memory.</summary>
    Toctou,
    /// <summary>4. memfd seals, mappings and descriptors.</summary>
    SharedMemory,
    /// <summary>5. RX buffer (fill ring) abuse.</summary>
    RxAbuse,
    /// <summary>6. BAR registers, doorbells and MSI-X.</summary>
    DeviceRegisters,
    /// <summary>7. The control socket.</summary>
    ControlSocket,
    /// <summary>8. Resource exhaustion against a victim's fair share.</summary>
    Exhaustion,
    /// <summary>9. A hostile virtio front end on a vhost-user port.</summary>
    VhostUser,
}

/// <summary>The modes an attack runs against (same values as <see cref="Control.ClientMode"/>).</summary>
public enum EvalMode
{
    /// <summary>The broker validates every request (the product's default).</summary>
    Mediated = 0,
    /// <summary>The client writes the device TX ring; RX stays mediated.</summary>
    TxDirect = 1,
    /// <summary>The client drives the whole device with raw bus addresses (igb_uio-like).</summary>
    DirectMap = 2,
}
