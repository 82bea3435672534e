namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Sends headers with a bad magic, a length field that disagrees with the bytes sent, and a length of 0.</summary>
/// <remarks>Mitigation: The codec checks magic and length against the datagram before anything else; each gets Error(Malformed) and changes nothing.</remarks>
public sealed class MalformedHeaders : Attack
{
    /// <inheritdoc />
    public override string Name => "MalformedHeaders";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Sends headers with a bad magic, a length field that disagrees with the bytes sent, and a length of 0.";
    /// <inheritdoc />
    public override string Mitigation => "The codec checks magic and length against the datagram before anything else; each gets Error(Malformed) and changes nothing.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = RawClient.Connect(context.SocketPath);
        var buffer = new byte[64];
        int n = Control.ControlCodec.Write(buffer, Control.MessageType.Hello, 1, new Control.HelloRequest { AbiVersion = Abi.AbiVersion.Current });
        var bad = buffer.AsSpan(0, n).ToArray();
        bad[0] ^= 0xFF;
        Want(context, c.SendRaw(bad), "bad magic", Control.ErrorCode.Malformed);
        bad = buffer.AsSpan(0, n).ToArray();
        bad[8] = (byte)(n + 8);
        Want(context, c.SendRaw(bad), "length field too long", Control.ErrorCode.Malformed);
        bad[8] = 0;
        Want(context, c.SendRaw(bad), "length field 0", Control.ErrorCode.Malformed);
        var ok = c.Hello();
        if (ok.Type != Control.MessageType.HelloReply)
        {
            throw new InvalidOperationException($"a good Hello after bad ones failed: {ok}");
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
