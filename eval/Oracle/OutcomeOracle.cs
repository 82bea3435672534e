namespace Mediator.Eval.Oracle;

/// <summary>Everything the oracle looks at for one cell of the matrix; gathered by the runner from the device and the broker.</summary>
public sealed record Evidence
{
    /// <summary>The broker's data path or re-arm worker faulted, or the broker died.</summary>
    public string? BrokerFault { get; init; }
    /// <summary>A control request (Stats) after the attack did not get an answer in time.</summary>
    public bool BrokerStalled { get; init; }
    /// <summary>DMA reads the audit flagged (device read memory the queue's client does not own).</summary>
    public long ReadViolations { get; init; }
    /// <summary>DMA writes the audit flagged (MSI-X messages included).</summary>
    public long WriteViolations { get; init; }
    /// <summary>Accesses, found in the audit log, to a device ring or interrupt page of another queue (the audit exempts those kinds).</summary>
    public long ForeignRingReads { get; init; }
    /// <summary>As <see cref="ForeignRingReads"/>, writes.</summary>
    public long ForeignRingWrites { get; init; }
    /// <summary>Device reads of the broker canary page, BARs or interrupt page (no legitimate reader exists).</summary>
    public long PrivateRegionReads { get; init; }
    /// <summary>Device writes of the broker canary page or BARs.</summary>
    public long PrivateRegionWrites { get; init; }
    /// <summary>The broker canary still holds its pattern.</summary>
    public bool BrokerCanaryIntact { get; init; } = true;
    /// <summary>The victim's canary frame still holds its pattern.</summary>
    public bool VictimCanaryIntact { get; init; } = true;
    /// <summary>Victim frames per second without the attacker (same run).</summary>
    public double VictimBaseline { get; init; }
    /// <summary>Victim frames per second during the attack.</summary>
    public double VictimUnderAttack { get; init; }

    /// <summary>The victim's offered load (frames/s); a baseline above it is catch-up, not capacity.</summary>
    public double VictimOffered { get; init; } = double.PositiveInfinity;

    /// <summary>Victim throughput under attack relative to its fair share: its baseline, capped at what it offered (1 = unchanged).</summary>
    public double VictimRatio
    {
        get
        {
            double reference = Math.Min(VictimBaseline, VictimOffered);
            return reference <= 0 ? 0 : VictimUnderAttack / reference;
        }
    }
}

/// <summary>Classifies a cell from its <see cref="Evidence"/>: Crashed, then Corrupted, Leaked, Denied, else Blocked.</summary>
public static class OutcomeOracle
{
    /// <summary>A victim below this fraction of its baseline was denied service.</summary>
    public const double DeniedBelow = 0.90;

    /// <summary>The outcome and the reasons for it.</summary>
    public static (Outcome Outcome, IReadOnlyList<string> Reasons) Classify(Evidence e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var crashed = new List<string>();
        var corrupted = new List<string>();
        var leaked = new List<string>();
        var denied = new List<string>();
        if (e.BrokerFault is not null)
        {
            crashed.Add($"broker fault: {e.BrokerFault}");
        }
        if (e.WriteViolations > 0)
        {
            corrupted.Add($"{e.WriteViolations} DMA write(s) outside the owner's memory");
        }
        if (e.ForeignRingWrites > 0)
        {
            corrupted.Add($"{e.ForeignRingWrites} DMA write(s) to another queue's ring or interrupt slot");
        }
        if (e.PrivateRegionWrites > 0)
        {
            corrupted.Add($"{e.PrivateRegionWrites} DMA write(s) to the canary page or a BAR");
        }
        if (!e.BrokerCanaryIntact)
        {
            corrupted.Add("broker canary changed");
        }
        if (!e.VictimCanaryIntact)
        {
            corrupted.Add("victim canary changed");
        }
        if (e.ReadViolations > 0)
        {
            leaked.Add($"{e.ReadViolations} DMA read(s) outside the owner's memory");
        }
        if (e.ForeignRingReads > 0)
        {
            leaked.Add($"{e.ForeignRingReads} DMA read(s) of another queue's ring");
        }
        if (e.PrivateRegionReads > 0)
        {
            leaked.Add($"{e.PrivateRegionReads} DMA read(s) of the canary page, a BAR or the interrupt page");
        }
        if (e.BrokerStalled)
        {
            denied.Add("broker did not answer a control request in time");
        }
        if (e.VictimRatio < DeniedBelow)
        {
            denied.Add($"victim at {e.VictimRatio:P0} of its baseline ({e.VictimUnderAttack:N0} vs {Math.Min(e.VictimBaseline, e.VictimOffered):N0} frames/s)");
        }
        if (crashed.Count > 0)
        {
            return (Outcome.Crashed, [.. crashed, .. corrupted, .. leaked, .. denied]);
        }
        if (corrupted.Count > 0)
        {
            return (Outcome.Corrupted, [.. corrupted, .. leaked, .. denied]);
        }
        if (leaked.Count > 0)
        {
            return (Outcome.Leaked, [.. leaked, .. denied]);
        }
        return denied.Count > 0 ? (Outcome.Denied, denied) : (Outcome.Blocked, []);
    }
}
