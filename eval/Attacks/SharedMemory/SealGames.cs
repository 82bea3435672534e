namespace Mediator.Eval.Attacks.SharedMemory;

/// <summary>Tries to add F_SEAL_WRITE to its UMEM (the device's RX writes would then fail) and to remove or change seals on every memfd it holds.</summary>
/// <remarks>Mitigation: Every memfd carries F_SEAL_SEAL: the seal set can no longer change (EPERM).</remarks>
public sealed class SealGames : Attack
{
    /// <inheritdoc />
    public override string Name => "SealGames";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.SharedMemory;
    /// <inheritdoc />
    public override string Description => "Tries to add F_SEAL_WRITE to its UMEM (the device's RX writes would then fail) and to remove or change seals on every memfd it holds.";
    /// <inheritdoc />
    public override string Mitigation => "Every memfd carries F_SEAL_SEAL: the seal set can no longer change (EPERM).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        foreach (var which in new[] { Control.QueueFd.Umem, Control.QueueFd.ClientArea, Control.QueueFd.BrokerArea })
        {
            int fd = q.Fds[(int)which].Fd;
            int rc = Tmds.Linux.LibC.fcntl(fd, Tmds.Linux.LibC.F_ADD_SEALS, 0x8 /* F_SEAL_WRITE */);
            context.Note($"F_ADD_SEALS(F_SEAL_WRITE) on {which} = {rc} {(rc != 0 ? Children.Libc.LastError() : "")}");
            if (rc == 0)
            {
                throw new InvalidOperationException($"{which} accepted a new seal");
            }
        }
        // The broker's mappings must be unaffected: a frame still goes out and comes back.
        q.WriteFrame(0, 64);
        long done = q.Completions;
        q.PostTx(0, 64);
        if (!q.WaitCompletions(done + 1, TimeSpan.FromSeconds(2)))
        {
            throw new InvalidOperationException("the queue stopped working");
        }
    }
}
