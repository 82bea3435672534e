namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Writes random 32-bit garbage into the TX producer index as fast as it can for the whole window, kicking the broker each time.</summary>
/// <remarks>Mitigation: Producer indices are untrusted numbers: read once, checked against the ring size, masked; garbage reads as an empty ring.</remarks>
public sealed class TxProducerGarbage : Attack
{
    /// <inheritdoc />
    public override string Name => "TxProducerGarbage";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Writes random 32-bit garbage into the TX producer index as fast as it can for the whole window, kicking the broker each time.";
    /// <inheritdoc />
    public override string Mitigation => "Producer indices are untrusted numbers: read once, checked against the ring size, masked; garbage reads as an empty ring.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        context.ExpectAny(Control.QueueCounter.RingIndexInvalid);
        foreach (var status in Abi.RequestStatus.GetValues<Abi.RequestStatus>().Where(s => s is >= Abi.RequestStatus.OffsetOutOfBounds and <= Abi.RequestStatus.Misaligned))
        {
            context.ExpectAny(AbiRules.CounterOf(status)); // a garbage index that happens to fall inside the ring takes stale slots, which are then validated
        }
        uint seed = (uint)context.Random.Next();
        while (context.Running)
        {
            seed = seed * 1664525 + 1013904223;
            q.TxProducer = q.TxConsumer + (seed | 0x8000_0000);
            q.KickTx();
            q.Reap();
        }
        q.TxProducer = q.TxConsumer;
    }
}
