namespace Mediator.Eval.Attacks.RingIndices;

/// <summary>Sets its completion consumer index far ahead of the broker's completion producer (claiming it read completions that do not exist), then sends, so the broker would overwrite unread completions or think it has room it has not.</summary>
/// <remarks>Mitigation: The broker reads consumer indices as untrusted: a hostile one makes the ring look full; requests wait in the TX ring until the client is sane.</remarks>
public sealed class CompletionConsumerTamper : Attack
{
    /// <inheritdoc />
    public override string Name => "CompletionConsumerTamper";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.RingIndices;
    /// <inheritdoc />
    public override string Description => "Sets its completion consumer index far ahead of the broker's completion producer (claiming it read completions that do not exist), then sends, so the broker would overwrite unread completions or think it has room it has not.";
    /// <inheritdoc />
    public override string Mitigation => "The broker reads consumer indices as untrusted: a hostile one makes the ring look full; requests wait in the TX ring until the client is sane.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        context.ExpectAny(Control.QueueCounter.RingIndexInvalid);
        q.CompletionConsumer = q.CompletionProducer + 5000;
        q.WriteFrame(0, 64);
        for (int i = 0; i < 8; i++)
        {
            q.PostTx([new Abi.TxRequest { Offset = 0, Length = 64 }], Environment.TickCount64 + 50);
        }
        long end = Environment.TickCount64 + 200;
        while (Environment.TickCount64 < end && context.Running)
        {
            q.KickTx();
            Thread.Yield();
        }
        uint produced = q.CompletionProducer;
        context.Note($"completions written while the consumer index was hostile: {produced} (within the broker's own last sane view of the ring)");
        if (produced > q.Geometry.CompletionSize)
        {
            throw new InvalidOperationException("the broker wrote more completions than the ring holds");
        }
        q.CompletionConsumer = q.CompletionProducer;
        q.KickTx();
        q.WaitCompletions(8, TimeSpan.FromSeconds(2));
    }
}
