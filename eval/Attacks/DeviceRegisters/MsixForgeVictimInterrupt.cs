namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Reprograms its MSI-X vector to the victim's interrupt slot, to flood the victim's data path with spurious interrupts.</summary>
/// <remarks>Mitigation: Mediated: only the broker maps the MSI-X table.</remarks>
public sealed class MsixForgeVictimInterrupt : Attack
{
    /// <inheritdoc />
    public override string Name => "MsixForgeVictimInterrupt";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Reprograms its MSI-X vector to the victim's interrupt slot, to flood the victim's data path with spurious interrupts.";
    /// <inheritdoc />
    public override string Mitigation => "Mediated: only the broker maps the MSI-X table.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.ProgramMsix(q.DeviceQueue % 32, context.Targets.InterruptPage, 0).Note);
        while (context.Running)
        {
            device.DeviceRead(device.UmemBus, 64, 8);
        }
    }
}
