namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Sends a 4000-byte message (more than the 1024-byte maximum), with a header that claims it.</summary>
/// <remarks>Mitigation: The broker receives into a 1025-byte buffer: a truncated or longer datagram is Error(TooLarge).</remarks>
public sealed class OversizedMessage : Attack
{
    /// <inheritdoc />
    public override string Name => "OversizedMessage";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Sends a 4000-byte message (more than the 1024-byte maximum), with a header that claims it.";
    /// <inheritdoc />
    public override string Mitigation => "The broker receives into a 1025-byte buffer: a truncated or longer datagram is Error(TooLarge).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = RawClient.Connect(context.SocketPath);
        var big = new byte[4000];
        Control.ControlCodec.Write(big, Control.MessageType.Hello, 1, new Control.HelloRequest { AbiVersion = Abi.AbiVersion.Current });
        big[8] = 0xA0;
        big[9] = 0x0F; // Length = 4000
        Want(context, c.SendRaw(big), "4000 bytes", Control.ErrorCode.TooLarge);
        Want(context, c.SendRaw(big.AsSpan(0, 1025)), "1025 bytes", Control.ErrorCode.TooLarge, Control.ErrorCode.Malformed);
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
