namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>A child process opens a queue, posts 512 TX requests and 512 RX buffers, and kills itself with SIGKILL while they are in flight.</summary>
/// <remarks>Mitigation: The broker sees the socket close and tears the queue down: drains the device, unmaps the UMEM from the bus only after the device's current step, frees everything.</remarks>
public sealed class DieMidRequest : Attack
{
    /// <inheritdoc />
    public override string Name => "DieMidRequest";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "A child process opens a queue, posts 512 TX requests and 512 RX buffers, and kills itself with SIGKILL while they are in flight.";
    /// <inheritdoc />
    public override string Mitigation => "The broker sees the socket close and tears the queue down: drains the device, unmaps the UMEM from the bus only after the device's current step, frees everything.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        var launcher = context.Launcher ?? throw new InvalidOperationException("needs a child launcher");
        using var child = launcher.Start("eval", "attack-child", "die-mid-request", "--socket", context.SocketPath);
        bool ready = child.WaitForLine("READY", TimeSpan.FromSeconds(20)) is not null;
        bool exited = child.WaitForExit(TimeSpan.FromSeconds(20));
        context.Note($"child ready={ready}, exited={exited} with {(exited ? child.ExitCode : -1)}");
        if (!ready || !exited)
        {
            throw new InvalidOperationException("the child did not get its requests in flight and die");
        }
    }
}
