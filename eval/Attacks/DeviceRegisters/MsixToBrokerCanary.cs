namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Reprograms its queue's MSI-X vector to write into the broker's canary page, then makes the queue interrupt.</summary>
/// <remarks>Mitigation: Mediated: only the broker maps the MSI-X table; the client's interrupts are eventfds the broker signals.</remarks>
public sealed class MsixToBrokerCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "MsixToBrokerCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Reprograms its queue's MSI-X vector to write into the broker's canary page, then makes the queue interrupt.";
    /// <inheritdoc />
    public override string Mitigation => "Mediated: only the broker maps the MSI-X table; the client's interrupts are eventfds the broker signals.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.ProgramMsix(q.DeviceQueue % 32, context.Targets.BrokerCanary + 64, 0x0BAD_F00D).Note);
        context.Note(device.DeviceRead(device.UmemBus, 64, 4).Note);
    }
}
