namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>A child process says Hello, sends OpenQueue and kills itself before reading the reply that carries seven descriptors.</summary>
/// <remarks>Mitigation: The broker's send fails or succeeds into a dead socket; either way the connection is dropped and its queue torn down, the descriptors closed.</remarks>
public sealed class DieMidHandshake : DyingChildAttack
{
    /// <inheritdoc />
    public override string Name => "DieMidHandshake";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.ControlSocket;
    /// <inheritdoc />
    public override string Description => "A child process says Hello, sends OpenQueue and kills itself before reading the reply that carries seven descriptors.";
    /// <inheritdoc />
    public override string Mitigation => "The broker's send fails or succeeds into a dead socket; either way the connection is dropped and its queue torn down, the descriptors closed.";

    /// <inheritdoc />
    protected override string ChildCommand => "die-mid-handshake";
    /// <inheritdoc />
    protected override int Children => 3;
}
