namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Asks the device to transmit the first frame of the victim client's UMEM (a TX request whose offset reaches the victim's bus address).</summary>
/// <remarks>Mitigation: Rule 1: the offset must be below the requester's own UMEM size; offsets are relative to the requester's UMEM, never bus addresses.</remarks>
public sealed class ReadVictimUmem : Attack
{
    /// <inheritdoc />
    public override string Name => "ReadVictimUmem";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Asks the device to transmit the first frame of the victim client's UMEM (a TX request whose offset reaches the victim's bus address).";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1: the offset must be below the requester's own UMEM size; offsets are relative to the requester's UMEM, never bus addresses.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        var r = device.DeviceRead(context.Targets.VictimUmem, 1514, 16);
        context.Note(r.Note);
    }
}
