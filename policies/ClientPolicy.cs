using System.Globalization;
using Mediator.Control;

namespace Mediator.Policies;

/// <summary>
/// What one client may do, resolved from its peer credentials when it says Hello. Immutable: a reload
/// builds new policies; connected clients keep their connection and queues, and the packet rules of a
/// new policy reach their live queues at the next data-path round.
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

    /// <summary>Frames must carry the queue's own MAC as source (anti-spoofing).</summary>
    public bool EnforceSourceMac { get; init; } = true;

    /// <summary>The VLAN rule.</summary>
    public VlanMode VlanMode { get; init; } = VlanMode.None;

    /// <summary>VLAN id required or inserted (1–4094; 0 when <see cref="VlanMode"/> needs none).</summary>
    public ushort VlanId { get; init; }

    /// <summary>802.1p priority (PCP) of an inserted tag.</summary>
    public byte VlanPriority { get; init; }

    /// <summary>Ethertypes the client may send (after any VLAN tag); empty allows all.</summary>
    public IReadOnlyList<ushort> AllowedEthertypes { get; init; } = [];

    /// <summary>Token-bucket rate in frames per second over all the client's queues; 0: unlimited.</summary>
    public long PacketsPerSecond { get; init; }

    /// <summary>Frames the packet bucket holds (the burst allowed after idling).</summary>
    public long PacketBurst { get; init; } = 64;

    /// <summary>Token-bucket rate in bits per second (frame bytes × 8) over all the client's queues; 0: unlimited.</summary>
    public long BitsPerSecond { get; init; }

    /// <summary>Bytes the bit bucket holds.</summary>
    public long BurstBytes { get; init; } = 64 * 1024;

    /// <summary>Whether any rule reads the frame's header (so the broker must copy it before posting).</summary>
    public bool ChecksHeaders => EnforceSourceMac || VlanMode != VlanMode.None || AllowedEthertypes.Count != 0;

    /// <summary>"field: old → new" for every field that differs from <paramref name="old"/>, for the reload log.</summary>
    public IReadOnlyList<string> ChangesFrom(ClientPolicy old)
    {
        var changes = new List<string>();
        void Compare<T>(string field, T before, T after)
        {
            if (!EqualityComparer<T>.Default.Equals(before, after))
            {
                changes.Add(string.Create(CultureInfo.InvariantCulture, $"{field}: {before} → {after}"));
            }
        }
        Compare(nameof(Name), old.Name, Name);
        Compare(nameof(Mode), old.Mode, Mode);
        Compare(nameof(MaxQueues), old.MaxQueues, MaxQueues);
        Compare(nameof(MaxUmemBytes), old.MaxUmemBytes, MaxUmemBytes);
        Compare(nameof(MaxFrameLength), old.MaxFrameLength, MaxFrameLength);
        Compare(nameof(EnforceSourceMac), old.EnforceSourceMac, EnforceSourceMac);
        Compare(nameof(VlanMode), old.VlanMode, VlanMode);
        Compare(nameof(VlanId), old.VlanId, VlanId);
        Compare(nameof(VlanPriority), old.VlanPriority, VlanPriority);
        Compare(nameof(AllowedEthertypes), FormatEthertypes(old.AllowedEthertypes), FormatEthertypes(AllowedEthertypes));
        Compare(nameof(PacketsPerSecond), old.PacketsPerSecond, PacketsPerSecond);
        Compare(nameof(PacketBurst), old.PacketBurst, PacketBurst);
        Compare(nameof(BitsPerSecond), old.BitsPerSecond, BitsPerSecond);
        Compare(nameof(BurstBytes), old.BurstBytes, BurstBytes);
        return changes;
    }

    /// <summary>"[0x0800, 0x0806]", or "all" when empty.</summary>
    public static string FormatEthertypes(IReadOnlyList<ushort> types) =>
        types.Count == 0 ? "all" : "[" + string.Join(", ", types.Select(t => $"0x{t:X4}")) + "]";

    /// <summary>
    /// Whether the rules a reload can change on live queues (source MAC, VLAN, ethertypes, rates) equal
    /// <paramref name="other"/>'s. Mode, quotas and the maximum frame length were granted in the HelloReply
    /// and stay as they were for a connected client.
    /// </summary>
    public bool SamePacketRules(ClientPolicy other) =>
        EnforceSourceMac == other.EnforceSourceMac && VlanMode == other.VlanMode
        && VlanId == other.VlanId && VlanPriority == other.VlanPriority && AllowedEthertypes.SequenceEqual(other.AllowedEthertypes)
        && PacketsPerSecond == other.PacketsPerSecond && PacketBurst == other.PacketBurst
        && BitsPerSecond == other.BitsPerSecond && BurstBytes == other.BurstBytes;
}
