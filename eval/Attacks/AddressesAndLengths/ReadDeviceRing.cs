namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Asks the device to transmit the victim queue's device TX ring (descriptors with bus addresses).</summary>
/// <remarks>Mitigation: Rule 1; device rings live in broker-private memory clients never map.</remarks>
public sealed class ReadDeviceRing : Attack
{
    /// <inheritdoc />
    public override string Name => "ReadDeviceRing";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Asks the device to transmit the victim queue's device TX ring (descriptors with bus addresses).";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1; device rings live in broker-private memory clients never map.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        var r = device.DeviceRead(context.Targets.VictimTxRing, 256, 4);
        context.Note(r.Note);
    }
}
