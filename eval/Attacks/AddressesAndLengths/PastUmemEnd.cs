namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>TX requests at and just past the end of the UMEM: offset = size, size + 1, size + frame, 2^32, 2^63.</summary>
/// <remarks>Mitigation: Rule 1: offset &lt; UMEM size, checked on the broker's private copy.</remarks>
public sealed class PastUmemEnd : Attack
{
    /// <inheritdoc />
    public override string Name => "PastUmemEnd";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "TX requests at and just past the end of the UMEM: offset = size, size + 1, size + frame, 2^32, 2^63.";
    /// <inheritdoc />
    public override string Mitigation => "Rule 1: offset < UMEM size, checked on the broker's private copy.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        foreach (ulong offset in new[] { q.UmemSize, q.UmemSize + 1, q.UmemSize + q.Geometry.FrameSize, 1UL << 32, 1UL << 63 })
        {
            context.Note(device.DeviceRead(device.UmemBus + offset, 64, 2).Note);
        }
    }
}
