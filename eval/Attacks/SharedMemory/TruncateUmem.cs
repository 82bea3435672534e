namespace Mediator.Eval.Attacks.SharedMemory;

/// <summary>Tries to shrink its UMEM memfd to 0 and to grow it, so that the broker's or the device's access to it would SIGBUS the broker.</summary>
/// <remarks>Mitigation: The broker seals the UMEM (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) before passing it; ftruncate fails with EPERM.</remarks>
public sealed class TruncateUmem : Attack
{
    /// <inheritdoc />
    public override string Name => "TruncateUmem";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.SharedMemory;
    /// <inheritdoc />
    public override string Description => "Tries to shrink its UMEM memfd to 0 and to grow it, so that the broker's or the device's access to it would SIGBUS the broker.";
    /// <inheritdoc />
    public override string Mitigation => "The broker seals the UMEM (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) before passing it; ftruncate fails with EPERM.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        int fd = q.Fds[(int)Control.QueueFd.Umem].Fd;
        foreach (long size in new[] { 0L, 4096L, (long)q.UmemSize * 2 })
        {
            int rc = Tmds.Linux.LibC.ftruncate(fd, size);
            context.Note($"ftruncate(umem, {size}) = {rc} {(rc != 0 ? Children.Libc.LastError() : "")}");
            if (rc == 0)
            {
                throw new InvalidOperationException($"the UMEM could be resized to {size}");
            }
        }
        int area = q.Fds[(int)Control.QueueFd.ClientArea].Fd;
        if (Tmds.Linux.LibC.ftruncate(area, 0) == 0)
        {
            throw new InvalidOperationException("the client area could be truncated");
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
