namespace Mediator.Eval.Attacks.Toctou;

/// <summary>One thread lends valid RX buffers while a second rewrites every fill slot with foreign offsets (the victim's UMEM, the broker canary) and misaligned ones.</summary>
/// <remarks>Mitigation: The re-arm worker copies each fill entry once, then validates and arms the copy.</remarks>
public sealed class RewriteFillWhileValidating : Attack
{
    /// <inheritdoc />
    public override string Name => "RewriteFillWhileValidating";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Toctou;
    /// <inheritdoc />
    public override string Description => "One thread lends valid RX buffers while a second rewrites every fill slot with foreign offsets (the victim's UMEM, the broker canary) and misaligned ones.";
    /// <inheritdoc />
    public override string Mitigation => "The re-arm worker copies each fill entry once, then validates and arms the copy.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        foreach (var counter in AbiRules.RefusalCounters)
        {
            context.ExpectAny(counter);
        }
        var device = context.Device(q);
        ulong[] hostile = [context.Targets.VictimUmem - device.UmemBus, context.Targets.BrokerCanary - device.UmemBus, 1];
        uint f = q.Geometry.FrameSize;
        var racer = new Thread(() =>
        {
            uint i = 0;
            while (context.Running)
            {
                unsafe
                {
                    q.FillEntryAt(i)->Offset = hostile[i % 3];
                    i++;
                }
            }
        }) { IsBackground = true };
        racer.Start();
        uint n = 0;
        q.WriteFrame(0, 64);
        while (context.Running)
        {
            q.PostFill([(ulong)(64 + n++ % 1024) * f]);
            q.PostTx([new Abi.TxRequest { Offset = 0, Length = 64 }], Environment.TickCount64 + 50);
            q.Reap();
        }
        racer.Join();
    }
}
