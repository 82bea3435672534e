using System.ComponentModel.DataAnnotations;
using Mediator.Control;

namespace Mediator.Policies;

/// <summary>
/// One configured rule: a match on the peer's credentials and the limits it grants. Unset match fields
/// match anything; the first matching rule wins.
/// </summary>
public sealed class PolicyRule
{
    /// <summary>Largest configurable rate, packets per second.</summary>
    public const long MaxPacketsPerSecond = 1_000_000_000;

    /// <summary>Largest configurable rate, bits per second (400 Gb/s).</summary>
    public const long MaxBitsPerSecond = 400_000_000_000;

    /// <summary>Largest configurable bit-bucket depth in bytes (64 MiB).</summary>
    public const long MaxBurstBytes = 64L << 20;

    /// <summary>Rule name, shown in logs.</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>Match: the peer's uid.</summary>
    public uint? Uid { get; set; }

    /// <summary>Match: the peer's gid.</summary>
    public uint? Gid { get; set; }

    /// <summary>Match: the peer's executable path (exact, as /proc/PID/exe resolves it).</summary>
    public string? Executable { get; set; }

    /// <summary>Granted mode.</summary>
    public ClientMode Mode { get; set; } = ClientMode.Mediated;

    /// <summary>Granted queue count.</summary>
    [Range(1, 64)]
    public int MaxQueues { get; set; } = 4;

    /// <summary>Granted UMEM bytes.</summary>
    [Range(4096, 1L << 36)]
    public long MaxUmemBytes { get; set; } = 256L << 20;

    /// <summary>Granted maximum frame length.</summary>
    [Range(60, 9018)]
    public int MaxFrameLength { get; set; } = 1514;

    /// <summary>Refuse frames whose source MAC is not the queue's assigned MAC (default on).</summary>
    public bool EnforceSourceMac { get; set; } = true;

    /// <summary>The VLAN rule (None, Untagged, Require, Insert).</summary>
    public VlanMode VlanMode { get; set; } = VlanMode.None;

    /// <summary>VLAN id for Require and Insert (1–4094).</summary>
    [Range(0, 4094)]
    public int VlanId { get; set; }

    /// <summary>802.1p priority of an inserted tag (0–7).</summary>
    [Range(0, 7)]
    public int VlanPriority { get; set; }

    /// <summary>Ethertypes allowed ("0x0800", "2048", "IPv4", "ARP", "IPv6", "LLDP"); empty allows all.</summary>
    [MaxLength(16)]
    public List<string> AllowedEthertypes { get; set; } = [];

    /// <summary>Frames per second over all the client's queues; 0: unlimited.</summary>
    [Range(0, MaxPacketsPerSecond)]
    public long PacketsPerSecond { get; set; }

    /// <summary>Frames the packet bucket holds (burst after idling); at least 1 when a packet rate is set.</summary>
    [Range(0, 1_000_000)]
    public long PacketBurst { get; set; } = 64;

    /// <summary>Bits per second (frame bytes × 8, FCS and gaps not counted) over all the client's queues; 0: unlimited.</summary>
    [Range(0, MaxBitsPerSecond)]
    public long BitsPerSecond { get; set; }

    /// <summary>Bytes the bit bucket holds; at least one maximum-length frame when a bit rate is set.</summary>
    [Range(0, MaxBurstBytes)]
    public long BurstBytes { get; set; } = 64 * 1024;

    /// <summary>Whether the rule matches a peer.</summary>
    public bool Matches(uint uid, uint gid, string? executable) =>
        (Uid is null || Uid == uid) && (Gid is null || Gid == gid)
        && (Executable is null || string.Equals(Executable, executable, StringComparison.Ordinal));

    /// <summary>
    /// Every problem with this rule, each naming the rule (<paramref name="where"/>, e.g.
    /// "Broker:Policies:2") and the field: the attribute ranges, then what attributes cannot express.
    /// </summary>
    public IReadOnlyList<string> Validate(string where)
    {
        var failures = new List<string>();
        string rule = $"policy '{Name}' ({where})";
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            foreach (var r in results)
            {
                failures.Add($"{rule}: {string.Join(", ", r.MemberNames)}: {r.ErrorMessage}");
            }
        }
        if (VlanMode is VlanMode.Require or VlanMode.Insert && VlanId is < 1 or > 4094)
        {
            failures.Add($"{rule}: VlanId must be 1–4094 when VlanMode is {VlanMode} (it is {VlanId})");
        }
        if (VlanMode is VlanMode.None or VlanMode.Untagged && (VlanId != 0 || VlanPriority != 0))
        {
            failures.Add($"{rule}: VlanId/VlanPriority are set but VlanMode is {VlanMode}; set VlanMode to Require or Insert, or remove them");
        }
        if (VlanMode != VlanMode.Insert && VlanPriority != 0)
        {
            failures.Add($"{rule}: VlanPriority applies only to VlanMode Insert");
        }
        for (int i = 0; i < AllowedEthertypes.Count; i++)
        {
            if (!Ethertypes.TryParse(AllowedEthertypes[i], out _))
            {
                failures.Add($"{rule}: AllowedEthertypes[{i}] '{AllowedEthertypes[i]}' is not an ethertype (0x0600–0xFFFF as hex \"0x0800\", decimal, or IPv4/ARP/IPv6/LLDP; VLAN tag types are set by VlanMode)");
            }
        }
        if (PacketsPerSecond > 0 && PacketBurst < 1)
        {
            failures.Add($"{rule}: PacketBurst must be at least 1 when PacketsPerSecond is set");
        }
        int longest = MaxFrameLength + (VlanMode == VlanMode.Insert ? 4 : 0);
        if (BitsPerSecond > 0 && BurstBytes < longest)
        {
            failures.Add($"{rule}: BurstBytes ({BurstBytes}) must hold at least one maximum-length frame ({longest} bytes) when BitsPerSecond is set");
        }
        return failures;
    }

    /// <summary>The policy this rule grants (call <see cref="Validate"/> first: unparsable ethertypes are skipped).</summary>
    public ClientPolicy ToPolicy()
    {
        var types = new List<ushort>();
        foreach (string t in AllowedEthertypes)
        {
            if (Ethertypes.TryParse(t, out ushort v) && !types.Contains(v))
            {
                types.Add(v);
            }
        }
        return new()
        {
            Name = Name, Mode = Mode, MaxQueues = MaxQueues, MaxUmemBytes = MaxUmemBytes, MaxFrameLength = MaxFrameLength,
            EnforceSourceMac = EnforceSourceMac, VlanMode = VlanMode, VlanId = (ushort)VlanId, VlanPriority = (byte)VlanPriority,
            AllowedEthertypes = types.ToArray(), PacketsPerSecond = PacketsPerSecond, PacketBurst = PacketBurst,
            BitsPerSecond = BitsPerSecond, BurstBytes = BurstBytes,
        };
    }
}
