namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Zero, runt (13 bytes), just-too-long (max + 1), 65535 and frame-size + 1 lengths.</summary>
/// <remarks>Mitigation: Rules 2-4: length != 0, &gt;= 14, &lt;= the policy's max frame length.</remarks>
public sealed class BadLengths : Attack
{
    /// <inheritdoc />
    public override string Name => "BadLengths";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Zero, runt (13 bytes), just-too-long (max + 1), 65535 and frame-size + 1 lengths.";
    /// <inheritdoc />
    public override string Mitigation => "Rules 2-4: length != 0, >= 14, <= the policy's max frame length.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        foreach (uint length in new uint[] { 0, 13, q.Client.MaxFrameLength + 1, 65535, q.Geometry.FrameSize + 1 })
        {
            context.Note(device.DeviceRead(device.UmemBus, length, 2).Note);
        }
    }
}
