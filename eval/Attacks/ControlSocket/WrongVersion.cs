namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Speaks ABI version 2 in the header, then version 0 and 2 in Hello's body.</summary>
/// <remarks>Mitigation: Version checks in the header and in Hello: Error(UnsupportedVersion); nothing is granted.</remarks>
public sealed class WrongVersion : Attack
{
    /// <inheritdoc />
    public override string Name => "WrongVersion";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Speaks ABI version 2 in the header, then version 0 and 2 in Hello's body.";
    /// <inheritdoc />
    public override string Mitigation => "Version checks in the header and in Hello: Error(UnsupportedVersion); nothing is granted.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = RawClient.Connect(context.SocketPath);
        var buffer = new byte[64];
        int n = Control.ControlCodec.Write(buffer, Control.MessageType.Hello, 1, new Control.HelloRequest { AbiVersion = Abi.AbiVersion.Current });
        buffer[4] = 2;
        Want(context, c.SendRaw(buffer.AsSpan(0, n)), "header version 2", Control.ErrorCode.UnsupportedVersion);
        Want(context, c.Hello("v0", 0), "Hello ABI 0", Control.ErrorCode.UnsupportedVersion);
        Want(context, c.Hello("v2", 2), "Hello ABI 2", Control.ErrorCode.UnsupportedVersion);
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
