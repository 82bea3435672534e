namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Moves the fill producer index far ahead of the broker's fill consumer, claiming a thousand RX buffers it never wrote.</summary>
/// <remarks>Mitigation: The re-arm worker checks fill occupancy like every ring: hostile indices read as empty, nothing is armed.</remarks>
public sealed class FillProducerJump : Attack
{
    /// <inheritdoc />
    public override string Name => "FillProducerJump";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Moves the fill producer index far ahead of the broker's fill consumer, claiming a thousand RX buffers it never wrote.";
    /// <inheritdoc />
    public override string Mitigation => "The re-arm worker checks fill occupancy like every ring: hostile indices read as empty, nothing is armed.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        context.ExpectAny(Control.QueueCounter.RingIndexInvalid);
        q.FillProducer = q.FillConsumer + q.Geometry.FillSize * 4 + 3;
        q.KickFill();
        long end = Environment.TickCount64 + 200;
        while (Environment.TickCount64 < end && context.Running)
        {
            q.KickFill();
            Thread.Yield();
        }
        ulong armed = q.Client.Stats(q.QueueId)?[(int)Control.QueueCounter.RxArmed] ?? 0;
        context.Note($"RX descriptors armed from the hostile fill index: {armed}");
        if (armed != 0)
        {
            throw new InvalidOperationException($"the broker armed {armed} RX descriptors from a hostile fill index");
        }
        q.FillProducer = q.FillConsumer;
    }
}
