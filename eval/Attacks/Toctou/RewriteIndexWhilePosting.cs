namespace Mediator.Eval.Attacks.Toctou;

/// <summary>One thread posts valid requests while another flips the TX producer index between its true value and hostile ones (ahead, behind, garbage).</summary>
/// <remarks>Mitigation: The producer index is acquire-loaded once per batch and checked; a hostile value reads as empty, a stale valid one is harmless.</remarks>
public sealed class RewriteIndexWhilePosting : Attack
{
    /// <inheritdoc />
    public override string Name => "RewriteIndexWhilePosting";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Toctou;
    /// <inheritdoc />
    public override string Description => "One thread posts valid requests while another flips the TX producer index between its true value and hostile ones (ahead, behind, garbage).";
    /// <inheritdoc />
    public override string Mitigation => "The producer index is acquire-loaded once per batch and checked; a hostile value reads as empty, a stale valid one is harmless.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        context.ExpectAny(Control.QueueCounter.RingIndexInvalid);
        foreach (var counter in AbiRules.RefusalCounters)
        {
            context.ExpectAny(counter);
        }
        var racer = new Thread(() =>
        {
            uint i = 0;
            while (context.Running)
            {
                uint p = q.TxProducer;
                q.TxProducer = (i++ % 3) switch { 0 => p + 100_000, 1 => p - 5, _ => 0xDEAD_BEEF };
                q.TxProducer = p;
            }
        }) { IsBackground = true };
        racer.Start();
        q.WriteFrame(0, 64);
        while (context.Running)
        {
            q.PostTx([new Abi.TxRequest { Offset = 0, Length = 64 }], Environment.TickCount64 + 50);
            q.Reap();
        }
        racer.Join();
        q.TxProducer = q.TxConsumer;
    }
}
