namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Races TX and fill on the same frames: every frame is sent and, in the same instant, lent for RX, for the whole window.</summary>
/// <remarks>Mitigation: Frame ownership claims on both sides, one fence per batch, back-off on conflict: a frame is never both at the device for TX and armed for RX.</remarks>
public sealed class FillBufferInFlight : Attack
{
    /// <inheritdoc />
    public override string Name => "FillBufferInFlight";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Races TX and fill on the same frames: every frame is sent and, in the same instant, lent for RX, for the whole window.";
    /// <inheritdoc />
    public override string Mitigation => "Frame ownership claims on both sides, one fence per batch, back-off on conflict: a frame is never both at the device for TX and armed for RX.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        uint f = q.Geometry.FrameSize;
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned);
        uint frame = 0;
        while (context.Running)
        {
            ulong offset = (ulong)(frame++ % 256) * f;
            q.WriteFrame(offset, 64);
            q.PostTx([new Abi.TxRequest { Offset = offset, Length = 64 }], Environment.TickCount64 + 100);
            q.PostFill([offset]);
            q.Reap();
        }
    }
}
