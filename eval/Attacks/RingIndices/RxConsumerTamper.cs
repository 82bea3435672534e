namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Sets its RX consumer index far ahead of the broker's RX producer, then lends buffers and sends itself frames, so the broker would overwrite RX entries or believe it has room.</summary>
/// <remarks>Mitigation: RX delivery checks the consumer index like every ring: hostile reads as full; the device drops frames for lack of buffers (counted), nothing else.</remarks>
public sealed class RxConsumerTamper : Attack
{
    /// <inheritdoc />
    public override string Name => "RxConsumerTamper";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Sets its RX consumer index far ahead of the broker's RX producer, then lends buffers and sends itself frames, so the broker would overwrite RX entries or believe it has room.";
    /// <inheritdoc />
    public override string Mitigation => "RX delivery checks the consumer index like every ring: hostile reads as full; the device drops frames for lack of buffers (counted), nothing else.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        context.ExpectAny(Control.QueueCounter.RingIndexInvalid);
        q.RxConsumer = q.RxProducer + 7777;
        uint f = q.Geometry.FrameSize;
        q.PostFill([.. Enumerable.Range(100, 64).Select(i => (ulong)i * f)]);
        q.WriteFrame(0, 64);
        for (int i = 0; i < 32; i++)
        {
            q.PostTx([new Abi.TxRequest { Offset = 0, Length = 64 }], Environment.TickCount64 + 50);
            q.Reap();
        }
        q.RxConsumer = q.RxProducer;
        q.Reap();
    }
}
