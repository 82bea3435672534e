namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends the same frame twice in one batch, so two RX descriptors would name one buffer.</summary>
/// <remarks>Mitigation: Frame ownership: a frame posted for RX is not free; the second entry is refused FrameNotOwned.</remarks>
public sealed class FillSameBufferTwice : Attack
{
    /// <inheritdoc />
    public override string Name => "FillSameBufferTwice";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends the same frame twice in one batch, so two RX descriptors would name one buffer.";
    /// <inheritdoc />
    public override string Mitigation => "Frame ownership: a frame posted for RX is not free; the second entry is refused FrameNotOwned.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        uint f = q.Geometry.FrameSize;
        q.PostFill([7UL * f, 7UL * f, 9UL * f, 9UL * f, 9UL * f]);
        context.Expect(Control.QueueCounter.RefusedFrameNotOwned, 3);
        q.WaitRx(3, TimeSpan.FromSeconds(2));
    }
}
