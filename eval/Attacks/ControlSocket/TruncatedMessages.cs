namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Sends 1, 8 and 15 bytes (less than a header), and a Hello cut inside its body.</summary>
/// <remarks>Mitigation: Fewer than 16 bytes or a body of the wrong size is Error(Malformed); the broker never reads past what arrived.</remarks>
public sealed class TruncatedMessages : Attack
{
    /// <inheritdoc />
    public override string Name => "TruncatedMessages";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Sends 1, 8 and 15 bytes (less than a header), and a Hello cut inside its body.";
    /// <inheritdoc />
    public override string Mitigation => "Fewer than 16 bytes or a body of the wrong size is Error(Malformed); the broker never reads past what arrived.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = RawClient.Connect(context.SocketPath);
        var buffer = new byte[64];
        int n = Control.ControlCodec.Write(buffer, Control.MessageType.Hello, 1, new Control.HelloRequest { AbiVersion = Abi.AbiVersion.Current });
        foreach (int cut in new[] { 1, 8, 15 })
        {
            Want(context, c.SendRaw(buffer.AsSpan(0, cut)), $"{cut} bytes", Control.ErrorCode.Malformed);
        }
        var cutBody = buffer.AsSpan(0, n - 8).ToArray();
        cutBody[8] = (byte)(n - 8);
        Want(context, c.SendRaw(cutBody), "Hello cut in its body", Control.ErrorCode.Malformed);
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
