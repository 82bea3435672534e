namespace Mediator.Eval.Attacks.ControlSocket;

/// <summary>
/// The shape of the attacks that die: start <see cref="Children"/> hostile child processes (before the
/// victim's baseline, since a .NET start-up costs CPU), let each go by writing its go file, and check it
/// died. What a child does before dying is the concrete attack's <see cref="ChildCommand"/>.
/// </summary>
public abstract class DyingChildAttack : Attack
{
    /// <summary>The <c>mediator eval attack-child</c> subcommand the children run.</summary>
    protected abstract string ChildCommand { get; }

    /// <summary>How many children die, one after the other.</summary>
    protected virtual int Children => 1;

    /// <inheritdoc />
    public override void Prepare(AttackContext context)
    {
        var launcher = context.Launcher ?? throw new InvalidOperationException("needs a child launcher");
        var children = new List<Eval.Children.IAttackChild>();
        context.State["children"] = children;
        for (int i = 0; i < Children; i++)
        {
            string go = Path.Combine(context.ScratchDirectory, $"go-{i}");
            var child = launcher.Start("eval", "attack-child", ChildCommand, "--socket", context.SocketPath, "--go", go);
            children.Add(child);
            if (child.WaitForLine("READY", TimeSpan.FromSeconds(30)) is null)
            {
                throw new InvalidOperationException($"child {i} did not get ready");
            }
        }
    }

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        var children = (List<Eval.Children.IAttackChild>)context.State["children"];
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
