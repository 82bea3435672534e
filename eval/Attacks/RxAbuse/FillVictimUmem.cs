namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends the broker an RX buffer that is the victim's first UMEM frame, then sends itself frames so the device would write there.</summary>
/// <remarks>Mitigation: Fill entries are validated like TX requests: offset &lt; own UMEM size, frame aligned, owned.</remarks>
public sealed class FillVictimUmem : Attack
{
    /// <inheritdoc />
    public override string Name => "FillVictimUmem";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends the broker an RX buffer that is the victim's first UMEM frame, then sends itself frames so the device would write there.";
    /// <inheritdoc />
    public override string Mitigation => "Fill entries are validated like TX requests: offset < own UMEM size, frame aligned, owned.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.DeviceWrite(context.Targets.VictimUmem, 4).Note);
    }
}
