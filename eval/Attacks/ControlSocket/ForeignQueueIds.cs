namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>Names queue ids it does not own (the victim's, 0..63, 2^32 - 2) in CloseQueue and Stats.</summary>
/// <remarks>Mitigation: Queue ids are per connection: UnknownQueue for anything this connection did not open.</remarks>
public sealed class ForeignQueueIds : Attack
{
    /// <inheritdoc />
    public override string Name => "ForeignQueueIds";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "Names queue ids it does not own (the victim's, 0..63, 2^32 - 2) in CloseQueue and Stats.";
    /// <inheritdoc />
    public override string Mitigation => "Queue ids are per connection: UnknownQueue for anything this connection did not open.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var c = context.Connect();
        foreach (uint id in new uint[] { 0, 1, 2, 5, 63, 0xFFFF_FFFE })
        {
            Want(context, c.Request(Control.MessageType.CloseQueue, new Control.CloseQueueRequest { QueueId = id }), $"CloseQueue {id}", Control.ErrorCode.UnknownQueue);
            Want(context, c.Request(Control.MessageType.Stats, new Control.StatsRequest { QueueId = id }), $"Stats {id}", Control.ErrorCode.UnknownQueue);
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
