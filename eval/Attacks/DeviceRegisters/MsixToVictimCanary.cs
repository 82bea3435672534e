namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Reprograms its queue's MSI-X vector to write into the victim's canary frame.</summary>
/// <remarks>Mitigation: Mediated: only the broker maps the MSI-X table.</remarks>
public sealed class MsixToVictimCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "MsixToVictimCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Reprograms its queue's MSI-X vector to write into the victim's canary frame.";
    /// <inheritdoc />
    public override string Mitigation => "Mediated: only the broker maps the MSI-X table.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.ProgramMsix(q.DeviceQueue % 32, context.Targets.VictimCanary, 0x0BAD_F00D).Note);
        context.Note(device.DeviceRead(device.UmemBus, 64, 4).Note);
    }
}
