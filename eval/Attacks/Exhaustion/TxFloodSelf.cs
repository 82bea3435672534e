namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Sends 60-byte frames to itself as fast as one core allows for the whole window, RX buffers lent.</summary>
/// <remarks>Mitigation: The data path serves every queue once per round with the same budget (the fairness quantum); the device round-robins its TX queues.</remarks>
public sealed class TxFloodSelf : Attack
{
    /// <inheritdoc />
    public override string Name => "TxFloodSelf";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Sends 60-byte frames to itself as fast as one core allows for the whole window, RX buffers lent.";
    /// <inheritdoc />
    public override string Mitigation => "The data path serves every queue once per round with the same budget (the fairness quantum); the device round-robins its TX queues.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        q.PostFill([.. Enumerable.Range(1024, 1024).Select(i => (ulong)i * q.Geometry.FrameSize)]);
        uint f = q.Geometry.FrameSize;
        var batch = new Abi.TxRequest[64];
        for (int i = 0; i < batch.Length; i++)
        {
            q.WriteFrame((ulong)i * f, 60, null);
            batch[i] = new Abi.TxRequest { Offset = (ulong)i * f, Length = 60 };
        }
        long sent = 0;
        while (context.Running)
        {
            sent += q.PostTx(batch, Environment.TickCount64 + 20);
            q.Reap();
        }
        context.Note($"flooded {sent} frames");
    }
}
