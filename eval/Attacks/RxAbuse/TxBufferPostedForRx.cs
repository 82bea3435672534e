namespace Mediator.Eval.Attacks.RxAbuse;

/// <summary>Lends a frame for RX, waits until the broker armed it, then asks to transmit that same frame while the device may write into it.</summary>
/// <remarks>Mitigation: Frame ownership: TX refuses a frame posted for RX (FrameNotOwned), with a Dekker handshake against the re-arm worker.</remarks>
public sealed class TxBufferPostedForRx : Attack
{
    /// <inheritdoc />
    public override string Name => "TxBufferPostedForRx";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RxAbuse;
    /// <inheritdoc />
    public override string Description => "Lends a frame for RX, waits until the broker armed it, then asks to transmit that same frame while the device may write into it.";
    /// <inheritdoc />
    public override string Mitigation => "Frame ownership: TX refuses a frame posted for RX (FrameNotOwned), with a Dekker handshake against the re-arm worker.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        uint f = q.Geometry.FrameSize;
        ulong[] frames = [11UL * f, 12UL * f, 13UL * f];
        q.PostFill(frames);
        long end = Environment.TickCount64 + 2000;
        while ((q.Client.Stats(q.QueueId)?[(int)Control.QueueCounter.RxArmed] ?? 0) < (ulong)frames.Length && Environment.TickCount64 < end)
        {
            Thread.Yield();
        }
        foreach (ulong offset in frames)
        {
            q.WriteFrame(offset, 64);
            q.PostTx(offset, 64);
        }
        context.Expect(Control.QueueCounter.RefusedFrameNotOwned, frames.Length);
        q.WaitCompletions(frames.Length, TimeSpan.FromSeconds(2));
    }
}
