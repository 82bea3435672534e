namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Sends a few frames, then moves the TX producer index backwards (below the broker's consumer), as if to make it re-read old entries.</summary>
/// <remarks>Mitigation: Backwards is a huge unsigned occupancy, hence hostile: nothing is read, the event is counted.</remarks>
public sealed class TxProducerBackwards : Attack
{
    /// <inheritdoc />
    public override string Name => "TxProducerBackwards";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Sends a few frames, then moves the TX producer index backwards (below the broker's consumer), as if to make it re-read old entries.";
    /// <inheritdoc />
    public override string Mitigation => "Backwards is a huge unsigned occupancy, hence hostile: nothing is read, the event is counted.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        q.WriteFrame(0, 64);
        for (int i = 0; i < 4; i++)
        {
            q.PostTx(0, 64);
            q.WaitCompletions(i + 1, TimeSpan.FromSeconds(2));
        }
        context.ExpectAtLeast(Control.QueueCounter.RingIndexInvalid, 1);
        q.TxProducer = q.TxConsumer - 1;
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
