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
    public override void Prepare(AttackContext context)
    {
        // Start the children (a .NET start-up costs CPU) before the victim's baseline; they wait for a go file.
        var launcher = context.Launcher ?? throw new InvalidOperationException("needs a child launcher");
        var children = new List<Children.IAttackChild>();
        for (int i = 0; i < 3; i++)
        {
            string go = Path.Combine(context.ScratchDirectory, $"go-{i}");
            var child = launcher.Start("eval", "attack-child", "die-mid-handshake", "--socket", context.SocketPath, "--go", go);
            children.Add(child);
            if (child.WaitForLine("READY", TimeSpan.FromSeconds(30)) is null)
            {
                throw new InvalidOperationException($"child {i} did not get ready");
            }
        }
        context.State["children"] = children;
    }

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        var children = (List<Children.IAttackChild>)context.State["children"];
        try
        {
            for (int i = 0; i < children.Count; i++)
            {
                File.WriteAllText(Path.Combine(context.ScratchDirectory, $"go-{i}"), "go");
                bool exited = children[i].WaitForExit(TimeSpan.FromSeconds(20));
                context.Note($"child {i}: exited={exited} with {(exited ? children[i].ExitCode : -1)}");
                if (!exited)
                {
                    throw new InvalidOperationException("a child did not die");
                }
            }
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }
}
