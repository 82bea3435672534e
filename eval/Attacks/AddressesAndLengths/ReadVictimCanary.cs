namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Asks the device to transmit the victim's canary frame, a secret the victim never sends.</summary>
/// <remarks>Mitigation: Rule 1 (offset &lt; own UMEM size); the broker adds the requester's own UMEM bus base.</remarks>
public sealed class ReadVictimCanary : Attack
{
    /// <inheritdoc />
    public override string Name => "ReadVictimCanary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Asks the device to transmit the victim's canary frame, a secret the victim never sends.";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1 (offset < own UMEM size); the broker adds the requester's own UMEM bus base.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        var r = device.DeviceRead(context.Targets.VictimCanary, 1514, 4);
        context.Note(r.Note);
    }
}
