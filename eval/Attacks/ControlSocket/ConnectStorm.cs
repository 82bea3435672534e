namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Connects and disconnects 300 times as fast as it can, half of them opening a queue first, some closing mid-reply, then holds 300 idle connections at once.</summary>
/// <remarks>Mitigation: Accept is non-blocking with a connection limit; every close tears its queues down; the victim's connection and queue are unaffected.</remarks>
public sealed class ConnectStorm : Attack
{
    /// <inheritdoc />
    public override string Name => "ConnectStorm";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Connects and disconnects 300 times as fast as it can, half of them opening a queue first, some closing mid-reply, then holds 300 idle connections at once.";
    /// <inheritdoc />
    public override string Mitigation => "Accept is non-blocking with a connection limit; every close tears its queues down; the victim's connection and queue are unaffected.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        int opened = 0, refused = 0;
        for (int i = 0; i < 300 && context.Running; i++)
        {
            using var c = RawClient.Connect(context.SocketPath);
            if (i % 3 == 0)
            {
                continue; // silent connect, immediate close
            }
            if (c.Hello().Type != Control.MessageType.HelloReply)
            {
                refused++;
                continue;
            }
            if (i % 2 == 0)
            {
                c.Socket.Send(new byte[24]); // then close before reading the answer
                continue;
            }
            var reply = c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = Abi.QueueGeometry.Default with { FrameCount = 256 } });
            reply.DisposeFds();
            opened += reply.Type == Control.MessageType.OpenQueueReply ? 1 : 0;
        }
        var held = new List<RawClient>();
        try
        {
            for (int i = 0; i < 300; i++)
            {
                held.Add(RawClient.Connect(context.SocketPath));
            }
            var last = held[^1].Hello();
            context.Note($"storm: {opened} queues opened and dropped, {refused} refused; connection 301 got {last}");
        }
        finally
        {
            foreach (var c in held)
            {
                c.Dispose();
            }
        }
    }
}
