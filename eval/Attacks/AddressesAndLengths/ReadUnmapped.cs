namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Asks the device to transmit from a bus address nothing is mapped at (a DMA fault).</summary>
/// <remarks>Mitigation: Rule 1 refuses it before the device sees it.</remarks>
public sealed class ReadUnmapped : Attack
{
    /// <inheritdoc />
    public override string Name => "ReadUnmapped";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Asks the device to transmit from a bus address nothing is mapped at (a DMA fault).";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1 refuses it before the device sees it.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        var r = device.DeviceRead(context.Targets.Unmapped, 64, 2);
        context.Note(r.Note);
    }
}
