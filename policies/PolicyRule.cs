using System.ComponentModel.DataAnnotations;
using Mediator.Control;

namespace Mediator.Policies;

/// <summary>
/// One configured rule: a match on the peer's credentials and the limits it grants. Unset match fields
/// match anything; the first matching rule wins.
/// </summary>
public sealed class PolicyRule
{
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

    /// <summary>Whether the rule matches a peer.</summary>
    public bool Matches(uint uid, uint gid, string? executable) =>
        (Uid is null || Uid == uid) && (Gid is null || Gid == gid)
        && (Executable is null || string.Equals(Executable, executable, StringComparison.Ordinal));

    /// <summary>The policy this rule grants.</summary>
    public ClientPolicy ToPolicy() => new()
    {
        Name = Name, Mode = Mode, MaxQueues = MaxQueues, MaxUmemBytes = MaxUmemBytes, MaxFrameLength = MaxFrameLength,
    };
}
