using Mediator.Control;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>Connects, starts its rings, floods frames both ways and vanishes without stopping them, again and again for the whole window.</summary>
/// <remarks>Mitigation: a disconnect takes the port's queue off the data path before the guest's memory is unmapped; the queue drains and is freed; the port accepts the next front end.</remarks>
public sealed class VhostDieMidQueue : VhostAttack
{
    /// <inheritdoc />
    public override string Name => "VhostDieMidQueue";
    /// <inheritdoc />
    public override string Description => "A front end that starts both rings, sends frames to itself through the loopback (so copies into its RX buffers are in progress) and closes its socket without GET_VRING_BASE, in a loop.";
    /// <inheritdoc />
    public override string Mitigation => "Teardown order: the data path lets go of the rings, the queue drains (DrainTimeout), then the guest memory is unmapped and the eventfds closed.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        int rounds = 0;
        do
        {
            using var guest = VhostGuest.Connect(PortPath(context));
            guest.Start();
            for (int i = 0; i < 200; i++)
            {
                guest.SendFrame(Frame(i));
            }
            rounds++;
        }
        while (context.Running && rounds < 20);
        context.Note($"{rounds} front ends died with frames in flight");
        context.ExpectAny(QueueCounter.VhostTxFrames);
        context.ExpectAny(QueueCounter.VhostRxNoGuestBuffer);
    }
}
