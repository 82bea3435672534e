using Mediator.Control;

namespace Mediator.Policies;

/// <summary>
/// What one client may do, resolved from its peer credentials when it says Hello. Immutable: a reload
/// replaces the policy for new connections without touching connected ones.
/// </summary>
public sealed record ClientPolicy
{
    /// <summary>The policy used when no rule matches: mediated, modest quotas.</summary>
    public static ClientPolicy Default { get; } = new();

    /// <summary>Name of the rule that produced this policy (for logs and stats).</summary>
    public string Name { get; init; } = "default";

    /// <summary>How the client's queues reach the device. Unsafe modes also need the broker to enable them.</summary>
    public ClientMode Mode { get; init; } = ClientMode.Mediated;

    /// <summary>Queues the client may hold at once.</summary>
    public int MaxQueues { get; init; } = 4;

    /// <summary>UMEM bytes over all the client's queues.</summary>
    public long MaxUmemBytes { get; init; } = 256L << 20;

    /// <summary>Longest frame (bytes, without FCS) the client may send.</summary>
    public int MaxFrameLength { get; init; } = 1514;
}
