namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>A child process opens a queue, posts 512 TX requests and 512 RX buffers, and kills itself with SIGKILL while they are in flight.</summary>
/// <remarks>Mitigation: The broker sees the socket close and tears the queue down: drains the device, unmaps the UMEM from the bus only after the device's current step, frees everything.</remarks>
public sealed class DieMidRequest : DyingChildAttack
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
    protected override string ChildCommand => "die-mid-request";
}
