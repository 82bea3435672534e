namespace Mediator.Eval.Attacks.SharedMemory;

/// <summary>Punches holes into its own UMEM (fallocate PUNCH_HOLE, which no size seal forbids) while frames are in flight and buffers are lent, so pages vanish under the device.</summary>
/// <remarks>Mitigation: Holes keep the size, so the broker's and device's accesses never fault: they read zeros or fault pages back in; the damage stays in the attacker's own frames.</remarks>
public sealed class PunchHoleUmem : Attack
{
    /// <inheritdoc />
    public override string Name => "PunchHoleUmem";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.SharedMemory;
    /// <inheritdoc />
    public override string Description => "Punches holes into its own UMEM (fallocate PUNCH_HOLE, which no size seal forbids) while frames are in flight and buffers are lent, so pages vanish under the device.";
    /// <inheritdoc />
    public override string Mitigation => "Holes keep the size, so the broker's and device's accesses never fault: they read zeros or fault pages back in; the damage stays in the attacker's own frames.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        int fd = q.Fds[(int)Control.QueueFd.Umem].Fd;
        uint f = q.Geometry.FrameSize;
        q.PostFill([.. Enumerable.Range(200, 256).Select(i => (ulong)i * f)]);
        while (context.Running)
        {
            q.WriteFrame(0, 64);
            q.PostTx([new Abi.TxRequest { Offset = 0, Length = 64 }], Environment.TickCount64 + 50);
            int rc = Children.Libc.Fallocate(fd, Children.Libc.FALLOC_FL_PUNCH_HOLE | Children.Libc.FALLOC_FL_KEEP_SIZE, 0, (long)q.UmemSize);
            if (rc != 0)
            {
                context.Note($"fallocate(PUNCH_HOLE) failed: {Children.Libc.LastError()}");
                break;
            }
            q.Reap();
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
