namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends the broker the victim's canary frame as an RX buffer.</summary>
/// <remarks>Mitigation: Fill validation: offsets are relative to the requester's own UMEM.</remarks>
public sealed class FillVictimCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "FillVictimCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends the broker the victim's canary frame as an RX buffer.";
    /// <inheritdoc />
    public override string Mitigation => "Fill validation: offsets are relative to the requester's own UMEM.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.DeviceWrite(context.Targets.VictimCanary, 4).Note);
    }
}
