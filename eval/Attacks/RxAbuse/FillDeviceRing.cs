namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends the victim's device TX ring as an RX buffer: a received frame would become descriptors.</summary>
/// <remarks>Mitigation: Fill validation: offset &lt; own UMEM size.</remarks>
public sealed class FillDeviceRing : Attack
{
    /// <inheritdoc />
    public override string Name => "FillDeviceRing";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends the victim's device TX ring as an RX buffer: a received frame would become descriptors.";
    /// <inheritdoc />
    public override string Mitigation => "Fill validation: offset < own UMEM size.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.DeviceWrite(context.Targets.VictimTxRing, 4).Note);
    }
}
