namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends the broker its own canary page as an RX buffer.</summary>
/// <remarks>Mitigation: Fill validation: offset &lt; own UMEM size.</remarks>
public sealed class FillBrokerCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "FillBrokerCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends the broker its own canary page as an RX buffer.";
    /// <inheritdoc />
    public override string Mitigation => "Fill validation: offset < own UMEM size.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.DeviceWrite(context.Targets.BrokerCanary, 4).Note);
    }
}
