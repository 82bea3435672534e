namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Lends every frame for RX, never consumes its RX ring, and floods itself, so the broker would have to hold completed buffers or block on a full RX ring.</summary>
/// <remarks>Mitigation: RX delivery stops at the attacker's full RX ring; the broker keeps the descriptors armed, drops at the device (counted) and serves the other queues.</remarks>
public sealed class HoldAllBuffers : Attack
{
    /// <inheritdoc />
    public override string Name => "HoldAllBuffers";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Lends every frame for RX, never consumes its RX ring, and floods itself, so the broker would have to hold completed buffers or block on a full RX ring.";
    /// <inheritdoc />
    public override string Mitigation => "RX delivery stops at the attacker's full RX ring; the broker keeps the descriptors armed, drops at the device (counted) and serves the other queues.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        uint f = q.Geometry.FrameSize;
        q.PostFill([.. Enumerable.Range(64, (int)q.Geometry.FillSize - 1).Select(i => (ulong)i * f)]);
        var batch = new Abi.TxRequest[64];
        for (int i = 0; i < batch.Length; i++)
        {
            q.WriteFrame((ulong)i * f, 60);
            batch[i] = new Abi.TxRequest { Offset = (ulong)i * f, Length = 60 };
        }
        while (context.Running)
        {
            q.PostTx(batch, Environment.TickCount64 + 20);
            unsafe
            {
                // Reap completions only, never RX.
                q.CompletionConsumer = q.CompletionProducer;
            }
        }
        context.Note($"RX entries left unread: {q.RxProducer - q.RxConsumer}");
    }
}
