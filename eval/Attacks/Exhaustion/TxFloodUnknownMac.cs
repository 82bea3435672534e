namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Floods frames to a MAC no queue owns, so the device drops them after doing all the work.</summary>
/// <remarks>Mitigation: Same per-round budget for every queue; the device drops unknown destinations (counted).</remarks>
public sealed class TxFloodUnknownMac : Attack
{
    /// <inheritdoc />
    public override string Name => "TxFloodUnknownMac";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Floods frames to a MAC no queue owns, so the device drops them after doing all the work.";
    /// <inheritdoc />
    public override string Mitigation => "Same per-round budget for every queue; the device drops unknown destinations (counted).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        byte[] nobody = [0x02, 0x99, 0x99, 0x99, 0x99, 0x99];
        uint f = q.Geometry.FrameSize;
        var batch = new Abi.TxRequest[64];
        for (int i = 0; i < batch.Length; i++)
        {
            q.WriteFrame((ulong)i * f, 60, nobody);
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
