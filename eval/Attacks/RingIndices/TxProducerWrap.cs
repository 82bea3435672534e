namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Starts its TX ring near the 32-bit wrap by claiming 2^32 - 2 entries at once, then posts normally across the wrap.</summary>
/// <remarks>Mitigation: Indices are free-running u32 compared by wrapping subtraction: the jump is hostile and ignored; real wraps work.</remarks>
public sealed class TxProducerWrap : Attack
{
    /// <inheritdoc />
    public override string Name => "TxProducerWrap";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Starts its TX ring near the 32-bit wrap by claiming 2^32 - 2 entries at once, then posts normally across the wrap.";
    /// <inheritdoc />
    public override string Mitigation => "Indices are free-running u32 compared by wrapping subtraction: the jump is hostile and ignored; real wraps work.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        context.ExpectAtLeast(Control.QueueCounter.RingIndexInvalid, 1);
        q.TxProducer = q.TxConsumer + 0xFFFF_FFFE;
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
