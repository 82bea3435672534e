namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Writes the TX tail doorbell (TDT) of its queue past the end of the ring, and the RX tail past its ring, so the device would walk descriptors beyond the ring.</summary>
/// <remarks>Mitigation: Mediated: the client has no BAR mapping; its only doorbells are eventfd kicks, and the broker writes TDT/RDT from its own private counters (the device model also ignores a tail past the ring).</remarks>
public sealed class DoorbellPastRing : Attack
{
    /// <inheritdoc />
    public override string Name => "DoorbellPastRing";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Writes the TX tail doorbell (TDT) of its queue past the end of the ring, and the RX tail past its ring, so the device would walk descriptors beyond the ring.";
    /// <inheritdoc />
    public override string Mitigation => "Mediated: the client has no BAR mapping; its only doorbells are eventfd kicks, and the broker writes TDT/RDT from its own private counters (the device model also ignores a tail past the ring).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.WriteRegister(Nic.Registers.TDT(q.DeviceQueue), q.Geometry.TxSize + 100).Note);
        context.Note(device.WriteRegister(Nic.Registers.RDT(q.DeviceQueue), q.Geometry.FillSize * 2).Note);
        context.Note(device.DeviceRead(device.UmemBus, 64).Note);
    }
}
