namespace Mediator.Eval.Attacks.SharedMemory;

/// <summary>Tries every way to write the broker area (completions, RX entries, the broker's indices): a writable mmap, mprotect of the read-only mapping, pwrite on the fd.</summary>
/// <remarks>Mitigation: The broker seals the area with F_SEAL_FUTURE_WRITE before passing it: no new writable mapping, no mprotect to write, no write(2).</remarks>
public sealed class RemapBrokerAreaWritable : Attack
{
    /// <inheritdoc />
    public override string Name => "RemapBrokerAreaWritable";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.SharedMemory;
    /// <inheritdoc />
    public override string Description => "Tries every way to write the broker area (completions, RX entries, the broker's indices): a writable mmap, mprotect of the read-only mapping, pwrite on the fd.";
    /// <inheritdoc />
    public override string Mitigation => "The broker seals the area with F_SEAL_FUTURE_WRITE before passing it: no new writable mapping, no mprotect to write, no write(2).";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        using var q = context.OpenQueue();
        int fd = q.Fds[(int)Control.QueueFd.BrokerArea].Fd;
        long size = q.BrokerArea.Length;
        unsafe
        {
            void* p = Tmds.Linux.LibC.mmap(null, (Tmds.Linux.size_t)(ulong)size, Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_WRITE, Tmds.Linux.LibC.MAP_SHARED, fd, 0);
            context.Note($"mmap(broker area, PROT_WRITE, MAP_SHARED) = {(p == (void*)-1 ? "failed " + Children.Libc.LastError() : "mapped")}");
            if (p != (void*)-1)
            {
                _ = Tmds.Linux.LibC.munmap(p, (Tmds.Linux.size_t)(ulong)size);
                throw new InvalidOperationException("the broker area could be mapped writable");
            }
            int rc = Tmds.Linux.LibC.mprotect(q.BrokerArea.Pointer, (Tmds.Linux.size_t)(ulong)size, Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_WRITE);
            context.Note($"mprotect(read-only broker area, PROT_WRITE) = {rc} {(rc != 0 ? Children.Libc.LastError() : "")}");
            if (rc == 0)
            {
                throw new InvalidOperationException("the read-only broker area could be made writable");
            }
            ulong value = 0xFFFF_FFFF;
            long written = Tmds.Linux.LibC.pwrite(fd, &value, 8, Abi.QueueLayout.CompletionProducer);
            context.Note($"pwrite(broker area) = {written} {(written < 0 ? Children.Libc.LastError() : "")}");
            if (written >= 0)
            {
                throw new InvalidOperationException("the broker area accepted write(2)");
            }
        }
    }
}
