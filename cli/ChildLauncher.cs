using Mediator.Eval.Children;

namespace Mediator.Cli;

/// <summary>Starts hostile children for the evaluation as <c>mediator</c> processes (<see cref="ChildProcess.StartSelf(string[])"/>).</summary>
public sealed class ChildLauncher : IChildLauncher
{
    /// <inheritdoc />
    public IAttackChild Start(params string[] args) => new Child(ChildProcess.StartSelf(args));

    private sealed class Child(ChildProcess process) : IAttackChild
    {
        public int Pid => process.Pid;
        public bool HasExited => process.HasExited;
        public int ExitCode => process.ExitCode;
        public string? WaitForLine(string prefix, TimeSpan timeout) => process.WaitForLine(prefix, timeout);
        public bool WaitForExit(TimeSpan timeout) => process.WaitForExit(timeout);
        public void Dispose() => process.Dispose();
    }
}
