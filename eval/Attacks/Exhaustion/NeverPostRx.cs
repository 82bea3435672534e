namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Floods frames to itself without ever lending an RX buffer, so every frame reaches the device for nothing.</summary>
/// <remarks>Mitigation: The device drops frames with no armed buffer and counts them; no other queue's buffers are used.</remarks>
public sealed class NeverPostRx : Attack
{
    /// <inheritdoc />
    public override string Name => "NeverPostRx";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Floods frames to itself without ever lending an RX buffer, so every frame reaches the device for nothing.";
    /// <inheritdoc />
    public override string Mitigation => "The device drops frames with no armed buffer and counts them; no other queue's buffers are used.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
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
