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
    public override void Prepare(AttackContext context)
    {
        // Start the children (a .NET start-up costs CPU) before the victim's baseline; they wait for a go file.
        var launcher = context.Launcher ?? throw new InvalidOperationException("needs a child launcher");
        var children = new List<Children.IAttackChild>();
        for (int i = 0; i < 1; i++)
        {
            string go = Path.Combine(context.ScratchDirectory, $"go-{i}");
            var child = launcher.Start("eval", "attack-child", "die-mid-request", "--socket", context.SocketPath, "--go", go);
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
