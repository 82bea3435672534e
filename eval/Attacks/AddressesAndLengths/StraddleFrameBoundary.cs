namespace Mediator.Eval.Attacks.AddressesAndLengths;

/// <summary>Frames that start near the end of one UMEM frame and run into the next (into a frame that may be lent to the broker for RX), including the last frame of the UMEM.</summary>
/// <remarks>Mitigation: Rule 5: a request lies within one frame; with rule 1 the span stays in the UMEM.</remarks>
public sealed class StraddleFrameBoundary : Attack
{
    /// <inheritdoc />
    public override string Name => "StraddleFrameBoundary";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.AddressesAndLengths;
    /// <inheritdoc />
    public override string Description => "Frames that start near the end of one UMEM frame and run into the next (into a frame that may be lent to the broker for RX), including the last frame of the UMEM.";
    /// <inheritdoc />
    public override string Mitigation => "Rule 5: a request lies within one frame; with rule 1 the span stays in the UMEM.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        uint f = q.Geometry.FrameSize;
        context.Note(device.DeviceRead(device.UmemBus + f - 10, 64, 4).Note);
        context.Note(device.DeviceRead(device.UmemBus + 3 * f + 1, f, 2).Note);
        context.Note(device.DeviceRead(device.UmemBus + q.UmemSize - 20, 64, 2).Note);
    }
}
