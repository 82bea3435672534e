namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Reprograms its TX ring base (TDBAL/TDBAH) to the broker's canary page and re-enables the queue, so the device fetches descriptors from memory the attacker does not own.</summary>
/// <remarks>Mitigation: Mediated: ring registers are programmed only by the broker's QueueDriver; no BAR mapping reaches the client.</remarks>
public sealed class TxRingBaseToCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "TxRingBaseToCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Reprograms its TX ring base (TDBAL/TDBAH) to the broker's canary page and re-enables the queue, so the device fetches descriptors from memory the attacker does not own.";
    /// <inheritdoc />
    public override string Mitigation => "Mediated: ring registers are programmed only by the broker's QueueDriver; no BAR mapping reaches the client.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        int n = q.DeviceQueue;
        ulong target = context.Targets.BrokerCanary;
        context.Note(device.WriteRegister(Nic.Registers.TXDCTL(n), 0).Note);
        context.Note(device.WriteRegister(Nic.Registers.TDBAL(n), (uint)target).Note);
        context.Note(device.WriteRegister(Nic.Registers.TDBAH(n), (uint)(target >> 32)).Note);
        context.Note(device.WriteRegister(Nic.Registers.TXDCTL(n), Nic.Registers.QueueEnable).Note);
        context.Note(device.WriteRegister(Nic.Registers.TDT(n), 4).Note);
    }
}
