namespace Mediator.Eval.Attacks.Exhaustion;

/// <summary>Opens connections and queues until the broker has no device queue pair left (or the quota stops it), holds them for the window, flooding from each.</summary>
/// <remarks>Mitigation: Per-client quotas (queues, UMEM); device queues are a finite pool: later clients get NoDeviceQueue, but connected clients keep theirs.</remarks>
public sealed class ExhaustDeviceQueues : Attack
{
    /// <inheritdoc />
    public override string Name => "ExhaustDeviceQueues";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.Exhaustion;
    /// <inheritdoc />
    public override string Description => "Opens connections and queues until the broker has no device queue pair left (or the quota stops it), holds them for the window, flooding from each.";
    /// <inheritdoc />
    public override string Mitigation => "Per-client quotas (queues, UMEM); device queues are a finite pool: later clients get NoDeviceQueue, but connected clients keep theirs.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        var held = new List<RawQueue>();
        try
        {
            for (int i = 0; i < 64; i++)
            {
                var c = context.Connect();
                var reply = c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = Abi.QueueGeometry.Default with { FrameCount = 512 } });
                if (reply.Type != Control.MessageType.OpenQueueReply)
                {
                    context.Note($"after {held.Count} queues: {reply}");
                    c.Dispose();
                    break;
                }
                held.Add(new RawQueue(c, System.Runtime.InteropServices.MemoryMarshal.Read<Control.OpenQueueReply>(reply.Body), reply.Fds));
            }
            foreach (var q in held)
            {
                q.WriteFrame(0, 60);
            }
            while (context.Running)
            {
                foreach (var q in held)
                {
                    q.PostTx([new Abi.TxRequest { Offset = 0, Length = 60 }], Environment.TickCount64 + 5);
                    q.Reap();
                }
            }
        }
        finally
        {
            foreach (var q in held)
            {
                q.Dispose();
                q.Client.Dispose();
            }
        }
    }
}
