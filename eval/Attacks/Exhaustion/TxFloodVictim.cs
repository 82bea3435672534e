namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Floods 60-byte frames at the victim's MAC, competing with the victim's own frames for its RX buffers.</summary>
/// <remarks>Mitigation: Per-queue budgets bound the attacker's share of the broker; the victim's RX buffers are its own (it must drain them). Any sender on a LAN can do this: it measures how much of the victim's service survives.</remarks>
public sealed class TxFloodVictim : Attack
{
    /// <inheritdoc />
    public override string Name => "TxFloodVictim";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Floods 60-byte frames at the victim's MAC, competing with the victim's own frames for its RX buffers.";
    /// <inheritdoc />
    public override string Mitigation => "Per-queue budgets bound the attacker's share of the broker; the victim's RX buffers are its own (it must drain them). Any sender on a LAN can do this: it measures how much of the victim's service survives.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        uint f = q.Geometry.FrameSize;
        var batch = new Abi.TxRequest[64];
        for (int i = 0; i < batch.Length; i++)
        {
            q.WriteFrame((ulong)i * f, 60, context.VictimMac);
            batch[i] = new Abi.TxRequest { Offset = (ulong)i * f, Length = 60 };
        }
        long sent = 0;
        while (context.Running)
        {
            sent += q.PostTx(batch, Environment.TickCount64 + 20);
            q.Reap();
        }
        context.Note($"flooded {sent} frames");
    }
}
