namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Asks the device to transmit the broker's private canary page.</summary>
/// <remarks>Mitigation: Rule 1: nothing outside the requester's UMEM can be named.</remarks>
public sealed class ReadBrokerCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "ReadBrokerCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Asks the device to transmit the broker's private canary page.";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1: nothing outside the requester's UMEM can be named.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        var r = device.DeviceRead(context.Targets.BrokerCanary, 1514, 4);
        context.Note(r.Note);
    }
}
