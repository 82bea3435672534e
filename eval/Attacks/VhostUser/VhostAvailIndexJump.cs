using Mediator.Control;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>Moves its TX available index far past the ring (and backwards), claiming thousands of chains that do not exist.</summary>
/// <remarks>Mitigation: an index more than the ring size ahead of what was taken is counted and ignored; nothing is read beyond the ring.</remarks>
public sealed class VhostAvailIndexJump : VhostAttack
{
    /// <inheritdoc />
    public override string Name => "VhostAvailIndexJump";
    /// <inheritdoc />
    public override string Description => "Sets the TX available index 5000 ahead, then 1 behind, of what the port took, kicking each time; then resumes honestly.";
    /// <inheritdoc />
    public override string Mitigation => "The available index is fetched once per batch and a jump beyond the ring size is refused (counted once per bogus value); nothing is taken until it is honest.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var guest = VhostGuest.Connect(PortPath(context));
        guest.Start();
        foreach (ushort bogus in new ushort[] { 5000, 0xFFFF })
        {
            guest.SetTxAvail(bogus);
            guest.Kick[1].Signal();
            Thread.Sleep(50);
            if (guest.TxUsed != 0)
            {
                throw new InvalidOperationException($"the port took chains for a bogus available index {bogus}");
            }
        }
        guest.SetTxAvail(0);
        guest.SendFrame(Frame(1));
        if (!guest.WaitTxDone())
        {
            throw new InvalidOperationException("an honest frame after the jump was not taken");
        }
        context.Expect(QueueCounter.VhostRefusedAvailIndexJump, 2);
        context.Expect(QueueCounter.VhostTxFrames, 1);
    }
}
