namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Fill entries that point into the middle of a frame (offset + 1, + half a frame, last byte of the UMEM).</summary>
/// <remarks>Mitigation: Fill rule: offset &amp; (frame_size - 1) == 0.</remarks>
public sealed class FillMisaligned : Attack
{
    /// <inheritdoc />
    public override string Name => "FillMisaligned";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Fill entries that point into the middle of a frame (offset + 1, + half a frame, last byte of the UMEM).";
    /// <inheritdoc />
    public override string Mitigation => "Fill rule: offset & (frame_size - 1) == 0.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        var device = context.Device(q);
        uint f = q.Geometry.FrameSize;
        context.Note(device.DeviceWrite(device.UmemBus + 1, 2).Note);
        context.Note(device.DeviceWrite(device.UmemBus + 5 * f + f / 2, 2).Note);
        context.Note(device.DeviceWrite(device.UmemBus + q.UmemSize - 1, 1).Note);
    }
}
