namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Attaches descriptors to its messages: its own memfd and an eventfd to Hello, eight descriptors to OpenQueue.</summary>
/// <remarks>Mitigation: The broker accepts no descriptors: it closes them and answers Error(UnexpectedFds).</remarks>
public sealed class UnexpectedFds : Attack
{
    /// <inheritdoc />
    public override string Name => "UnexpectedFds";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Attaches descriptors to its messages: its own memfd and an eventfd to Hello, eight descriptors to OpenQueue.";
    /// <inheritdoc />
    public override string Mitigation => "The broker accepts no descriptors: it closes them and answers Error(UnexpectedFds).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = RawClient.Connect(context.SocketPath);
        using var memfd = Native.Memfd.Create("attacker-memfd", 1 << 16);
        using var eventFd = new Native.EventFd();
        var buffer = new byte[64];
        int n = Control.ControlCodec.Write(buffer, Control.MessageType.Hello, 1, new Control.HelloRequest { AbiVersion = Abi.AbiVersion.Current });
        Want(context, c.SendRaw(buffer.AsSpan(0, n), [memfd.Fd, eventFd.Handle.Fd]), "Hello with 2 fds", Control.ErrorCode.UnexpectedFds);
        c.Hello();
        n = Control.ControlCodec.Write(buffer, Control.MessageType.OpenQueue, 2, new Control.OpenQueueRequest { Geometry = Abi.QueueGeometry.Default });
        int[] eight = [memfd.Fd, memfd.Fd, memfd.Fd, memfd.Fd, eventFd.Handle.Fd, eventFd.Handle.Fd, eventFd.Handle.Fd, eventFd.Handle.Fd];
        Want(context, c.SendRaw(buffer.AsSpan(0, n), eight), "OpenQueue with 8 fds", Control.ErrorCode.UnexpectedFds);
        static void Want(AttackContext context, RawReply reply, string what, params Control.ErrorCode[] codes)
        {
            context.Note($"{what}: {reply}");
            if (reply.Type != Control.MessageType.Error || !codes.Contains(reply.Error))
            {
                throw new InvalidOperationException($"{what}: expected Error({string.Join("|", codes)}), got {reply}");
            }
        }
    }
}
