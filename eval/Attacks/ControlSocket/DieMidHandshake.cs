namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>A child process says Hello, sends OpenQueue and kills itself before reading the reply that carries seven descriptors.</summary>
/// <remarks>Mitigation: The broker's send fails or succeeds into a dead socket; either way the connection is dropped and its queue torn down, the descriptors closed.</remarks>
public sealed class DieMidHandshake : Attack
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
    public override void Run(AttackContext context)
    {
        var launcher = context.Launcher ?? throw new InvalidOperationException("needs a child launcher");
        for (int i = 0; i < 3; i++)
        {
            using var child = launcher.Start("eval", "attack-child", "die-mid-handshake", "--socket", context.SocketPath);
            bool exited = child.WaitForExit(TimeSpan.FromSeconds(20));
            context.Note($"child {i}: exited={exited} with {(exited ? child.ExitCode : -1)}");
        }
    }
}
