namespace Mediator.Eval.Attacks.SharedMemory;

/// <summary>A child process maps the broker area read-only (as it must) and stores into the completion producer index.</summary>
/// <remarks>Mitigation: The kernel enforces the read-only mapping: the child dies of SIGSEGV; the broker tears its queue down.</remarks>
public sealed class WriteReadOnlyRing : Attack
{
    /// <inheritdoc />
    public override string Name => "WriteReadOnlyRing";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.SharedMemory;
    /// <inheritdoc />
    public override string Description => "A child process maps the broker area read-only (as it must) and stores into the completion producer index.";
    /// <inheritdoc />
    public override string Mitigation => "The kernel enforces the read-only mapping: the child dies of SIGSEGV; the broker tears its queue down.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        var launcher = context.Launcher ?? throw new InvalidOperationException("needs a child launcher");
        using var child = launcher.Start("selftest", "write-readonly", "--socket", context.SocketPath);
        string? mapped = child.WaitForLine("MAPPED", TimeSpan.FromSeconds(20));
        bool exited = child.WaitForExit(TimeSpan.FromSeconds(20));
        string? wrote = child.WaitForLine("WROTE", TimeSpan.FromMilliseconds(100));
        context.Note($"child: mapped={mapped is not null}, exited={exited}, exit code {(exited ? child.ExitCode : -1)}, wrote={wrote is not null}");
        if (mapped is null || !exited || wrote is not null)
        {
            throw new InvalidOperationException("the child was not killed by its write to the read-only ring");
        }
    }
}
