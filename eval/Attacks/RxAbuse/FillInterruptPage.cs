namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends the interrupt page as an RX buffer: a received frame would forge MSI-X signals.</summary>
/// <remarks>Mitigation: Fill validation: offset &lt; own UMEM size.</remarks>
public sealed class FillInterruptPage : Attack
{
    /// <inheritdoc />
    public override string Name => "FillInterruptPage";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends the interrupt page as an RX buffer: a received frame would forge MSI-X signals.";
    /// <inheritdoc />
    public override string Mitigation => "Fill validation: offset < own UMEM size.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.DeviceWrite(context.Targets.InterruptPage, 4).Note);
    }
}
