namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Fills its TX ring, never reaps a completion, and keeps kicking the broker for the whole window.</summary>
/// <remarks>Mitigation: A request is taken only when a completion slot is reserved for it: the attacker's queue stalls, alone; other queues keep their turn.</remarks>
public sealed class NeverReap : Attack
{
    /// <inheritdoc />
    public override string Name => "NeverReap";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Fills its TX ring, never reaps a completion, and keeps kicking the broker for the whole window.";
    /// <inheritdoc />
    public override string Mitigation => "A request is taken only when a completion slot is reserved for it: the attacker's queue stalls, alone; other queues keep their turn.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        uint f = q.Geometry.FrameSize;
        q.WriteFrame(0, 64);
        var all = Enumerable.Range(0, (int)q.Geometry.TxSize).Select(i => new Abi.TxRequest { Offset = (ulong)i * f, Length = 64 }).ToArray();
        for (int i = 0; i < all.Length; i++)
        {
            q.WriteFrame((ulong)i * f, 64);
        }
        int rounds = 0;
        while (context.Running)
        {
            unsafe
            {
                // Raw posting: never touch the completion ring.
                uint p = q.TxProducer, c = q.TxConsumer, free = q.Geometry.TxSize - (p - c);
                for (uint i = 0; i < free; i++)
                {
                    *q.TxEntry(p + i) = all[(p + i) % all.Length];
                }
                q.TxProducer = p + free;
            }
            q.KickTx();
            rounds++;
            Thread.Yield();
        }
        context.Note($"completions waiting unread: {q.CompletionProducer - q.CompletionConsumer}");
    }
}
