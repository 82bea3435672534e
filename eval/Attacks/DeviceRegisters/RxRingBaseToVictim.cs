namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Reprograms its RX ring base to the victim's UMEM, so the device's descriptor write-backs land in the victim's frames.</summary>
/// <remarks>Mitigation: Mediated: RX ring registers belong to the broker; no BAR mapping reaches the client.</remarks>
public sealed class RxRingBaseToVictim : Attack
{
    /// <inheritdoc />
    public override string Name => "RxRingBaseToVictim";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Reprograms its RX ring base to the victim's UMEM, so the device's descriptor write-backs land in the victim's frames.";
    /// <inheritdoc />
    public override string Mitigation => "Mediated: RX ring registers belong to the broker; no BAR mapping reaches the client.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        int n = q.DeviceQueue;
        ulong target = context.Targets.VictimUmem;
        context.Note(device.WriteRegister(Nic.Registers.RXDCTL(n), 0).Note);
        context.Note(device.WriteRegister(Nic.Registers.RDBAL(n), (uint)target).Note);
        context.Note(device.WriteRegister(Nic.Registers.RDBAH(n), (uint)(target >> 32)).Note);
        context.Note(device.WriteRegister(Nic.Registers.RXDCTL(n), Nic.Registers.QueueEnable).Note);
        context.Note(device.DeviceWrite(device.UmemBus, 8).Note);
    }
}
