namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Asks for queues with invalid geometry (zero and non-power-of-two rings, 1-byte frames, a billion frames), more UMEM than the policy allows, non-zero reserved fields, and more queues than allowed.</summary>
/// <remarks>Mitigation: Geometry validation, quotas by policy, reserved fields must be zero: InvalidGeometry, QuotaExceeded, Malformed.</remarks>
public sealed class HostileGeometry : Attack
{
    /// <inheritdoc />
    public override string Name => "HostileGeometry";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Asks for queues with invalid geometry (zero and non-power-of-two rings, 1-byte frames, a billion frames), more UMEM than the policy allows, non-zero reserved fields, and more queues than allowed. In TxDirect and DirectMap the policy grants device access, so that one probe is skipped; the rest is the same control-plane check.";
    /// <inheritdoc />
    public override string Mitigation => "Geometry validation, quotas by policy, reserved fields must be zero: InvalidGeometry, QuotaExceeded, Malformed.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = context.Connect();
        var d = Abi.QueueGeometry.Default;
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d with { TxSize = 0 } }), "TX ring 0", Control.ErrorCode.InvalidGeometry);
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d with { RxSize = 1000 } }), "RX ring 1000", Control.ErrorCode.InvalidGeometry);
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d with { FrameSize = 1 } }), "1-byte frames", Control.ErrorCode.InvalidGeometry);
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d with { FrameCount = 1_000_000_000 } }), "10^9 frames", Control.ErrorCode.InvalidGeometry, Control.ErrorCode.QuotaExceeded);
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d with { FrameSize = 16384, FrameCount = 1 << 20 } }), "16 GiB UMEM", Control.ErrorCode.QuotaExceeded, Control.ErrorCode.InvalidGeometry);
        if (context.Mode == EvalMode.Mediated)
        {
            Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d, Flags = 1 }), "device access without the policy", Control.ErrorCode.PolicyDenied);
        }
        else
        {
            context.Note($"device access not probed: the {context.Mode} policy grants it by design");
        }
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d, Flags = 2 }), "reserved flag 2", Control.ErrorCode.Malformed);
        Want(context, c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = d, Reserved = 7 }), "reserved 7", Control.ErrorCode.Malformed);
        var small = d with { FrameCount = 64, TxSize = 64, CompletionSize = 64, FillSize = 64, RxSize = 64 };
        int granted = 0;
        try
        {
            while (granted < 64)
            {
                var reply = c.Request(Control.MessageType.OpenQueue, new Control.OpenQueueRequest { Geometry = small });
                if (reply.Type != Control.MessageType.OpenQueueReply)
                {
                    Want(context, reply, $"queue {granted + 1}", Control.ErrorCode.QuotaExceeded);
                    break;
                }
                reply.DisposeFds();
                granted++;
            }
        }
        finally
        {
            context.Note($"{granted} queues granted before the quota");
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
