namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Requests whose offset + length overflows 64 or 32 bits: offset 2^64 - 32 with length 64, offset size - 16 with length 2^32 - 1, offset 2^64 - 1 with length 1.</summary>
/// <remarks>Mitigation: Rule 5 is written as length &lt;= frame_size - (offset &amp; (frame_size - 1)), which cannot overflow; rule 1 comes first.</remarks>
public sealed class OffsetLengthOverflow : Attack
{
    /// <inheritdoc />
    public override string Name => "OffsetLengthOverflow";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Requests whose offset + length overflows 64 or 32 bits: offset 2^64 - 32 with length 64, offset size - 16 with length 2^32 - 1, offset 2^64 - 1 with length 1.";
    /// <inheritdoc />
    public override string Mitigation => "Rule 5 is written as length <= frame_size - (offset & (frame_size - 1)), which cannot overflow; rule 1 comes first.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        context.Note(device.DeviceRead(device.UmemBus + ulong.MaxValue - 31, 64, 2).Note);
        context.Note(device.DeviceRead(device.UmemBus + q.UmemSize - 16, uint.MaxValue, 2).Note);
        context.Note(device.DeviceRead(device.UmemBus + ulong.MaxValue, 1, 2).Note);
        context.Note(device.DeviceRead(device.UmemBus + q.UmemSize - 16, 64, 2).Note);
    }
}
