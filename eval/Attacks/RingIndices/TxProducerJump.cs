namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Moves the TX producer index more than a ring ahead of the broker's consumer, claiming entries that were never written (the slots would alias).</summary>
/// <remarks>Mitigation: Occupancy (u32)(prod - cons) above the ring size is hostile: the ring reads as empty, the event is counted (RingIndexInvalid), slots are always masked.</remarks>
public sealed class TxProducerJump : Attack
{
    /// <inheritdoc />
    public override string Name => "TxProducerJump";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Moves the TX producer index more than a ring ahead of the broker's consumer, claiming entries that were never written (the slots would alias).";
    /// <inheritdoc />
    public override string Mitigation => "Occupancy (u32)(prod - cons) above the ring size is hostile: the ring reads as empty, the event is counted (RingIndexInvalid), slots are always masked.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        context.ExpectAtLeast(Control.QueueCounter.RingIndexInvalid, 1);
        q.TxProducer = q.TxConsumer + q.Geometry.TxSize + 1;
        q.KickTx();
        long end = Environment.TickCount64 + 1000;
        while ((q.Client.Stats(q.QueueId)?[(int)Control.QueueCounter.RingIndexInvalid] ?? 0) == 0 && Environment.TickCount64 < end)
        {
            q.KickTx();
            Thread.Yield();
        }
        // The queue still works once the indices are sane again.
        q.TxProducer = q.TxConsumer;
        q.WriteFrame(0, 64);
        long before = q.Completions;
        q.PostTx(0, 64);
        if (!q.WaitCompletions(before + 1, TimeSpan.FromSeconds(2)))
        {
            throw new InvalidOperationException("the queue no longer completes requests after the hostile index");
        }
    }
}
