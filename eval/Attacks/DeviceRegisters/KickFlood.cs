namespace Mediator.Eval.Attacks.DeviceRegisters;

/// <summary>Hammers the broker's TX and fill kick eventfds (its only doorbells) with the largest values an eventfd takes, as fast as it can.</summary>
/// <remarks>Mitigation: Kicks are level wake-ups: the broker drains the counter and polls the rings; values carry no meaning.</remarks>
public sealed class KickFlood : Attack
{
    /// <inheritdoc />
    public override string Name => "KickFlood";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.DeviceRegisters;
    /// <inheritdoc />
    public override string Description => "Hammers the broker's TX and fill kick eventfds (its only doorbells) with the largest values an eventfd takes, as fast as it can.";
    /// <inheritdoc />
    public override string Mitigation => "Kicks are level wake-ups: the broker drains the counter and polls the rings; values carry no meaning.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        using var q = context.OpenQueue();
        int tx = q.Fds[(int)Control.QueueFd.TxKick].Fd, fill = q.Fds[(int)Control.QueueFd.FillKick].Fd;
        long kicks = 0;
        while (context.Running)
        {
            unsafe
            {
                ulong big = 0xFFFF_FFFF_FFFF_FFFE;
                _ = Tmds.Linux.LibC.write(tx, &big, 8);
                _ = Tmds.Linux.LibC.write(fill, &big, 8);
                ulong one = 1;
                _ = Tmds.Linux.LibC.write(tx, &one, 8);
            }
            kicks++;
        }
        context.Note($"{kicks} rounds of kicks");
    }
}
