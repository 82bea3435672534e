namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Asks the device to transmit BAR0 as seen on the bus (peer-to-peer read of registers).</summary>
/// <remarks>Mitigation: Rule 1: nothing outside the requester's UMEM can be named.</remarks>
public sealed class ReadBar : Attack
{
    /// <inheritdoc />
    public override string Name => "ReadBar";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Asks the device to transmit BAR0 as seen on the bus (peer-to-peer read of registers).";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1: nothing outside the requester's UMEM can be named.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        var r = device.DeviceRead(context.Targets.Bar0, 256, 2);
        context.Note(r.Note);
    }
}
