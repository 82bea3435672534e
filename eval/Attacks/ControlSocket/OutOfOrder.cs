namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Asks for a queue and closes one before Hello, says Hello twice, and sends reply types (0x82, 0xFF) and unknown types as requests.</summary>
/// <remarks>Mitigation: The connection state machine: OutOfOrder before Hello and for a second Hello; UnknownType for anything that is not a request.</remarks>
public sealed class OutOfOrder : Attack
{
    /// <inheritdoc />
    public override string Name => "OutOfOrder";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Asks for a queue and closes one before Hello, says Hello twice, and sends reply types (0x82, 0xFF) and unknown types as requests.";
    /// <inheritdoc />
    public override string Mitigation => "The connection state machine: OutOfOrder before Hello and for a second Hello; UnknownType for anything that is not a request.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = RawClient.Connect(context.SocketPath);
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = Abi.QueueGeometry.Default }), "OpenQueue before Hello", Control.ErrorCode.OutOfOrder);
        Want(context, c.Request(Control.MessageType.CloseQueue, new Control.CloseQueueRequest { QueueId = 0 }), "CloseQueue before Hello", Control.ErrorCode.OutOfOrder);
        if (c.Hello().Type != Control.MessageType.HelloReply)
        {
            throw new InvalidOperationException("Hello failed");
        }
        Want(context, c.Hello(), "second Hello", Control.ErrorCode.OutOfOrder);
        foreach (var type in new[] { Control.MessageType.OpenQueueReply, Control.MessageType.Error, Control.MessageType.Goodbye, (Control.MessageType)0x7F })
        {
            Want(context, c.Request(type, new Control.CloseQueueRequest()), $"type 0x{(int)type:x2}", Control.ErrorCode.UnknownType);
        }
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
