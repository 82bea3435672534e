namespace Mediator.Eval.Attacks.Toctou;

/// <summary>One thread posts valid TX requests while a second thread rewrites every TX slot with foreign offsets (the victim's canary), huge lengths and reserved bits, racing the broker's validation.</summary>
/// <remarks>Mitigation: Each request is fetched once into broker-private memory, then validated and used from the copy (no double fetch).</remarks>
public sealed class RewriteTxWhileValidating : Attack
{
    /// <inheritdoc />
    public override string Name => "RewriteTxWhileValidating";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Toctou;
    /// <inheritdoc />
    public override string Description => "One thread posts valid TX requests while a second thread rewrites every TX slot with foreign offsets (the victim's canary), huge lengths and reserved bits, racing the broker's validation.";
    /// <inheritdoc />
    public override string Mitigation => "Each request is fetched once into broker-private memory, then validated and used from the copy (no double fetch).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        foreach (var counter in AbiRules.RefusalCounters)
        {
            context.ExpectAny(counter);
        }
        var device = context.Device(q);
        ulong hostile = context.Targets.VictimCanary - device.UmemBus;
        uint size = q.Geometry.TxSize;
        var racer = new Thread(() =>
        {
            uint i = 0;
            while (context.Running)
            {
                unsafe
                {
                    var e = q.TxEntry(i++);
                    e->Offset = (i & 1) == 0 ? hostile : 0;
                    e->Length = (i & 2) == 0 ? 64u : 0xFFFFu;
                    e->Options = (i & 4) == 0 ? 0u : 1u;
                }
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
    }
}
