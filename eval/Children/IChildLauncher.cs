namespace Mediator.Eval.Children;

/// <summary>Starts another <c>mediator</c> process (the CLI supplies it; the evaluation cannot reference the CLI).</summary>
public interface IChildLauncher
{
    /// <summary>Starts <c>mediator</c> with <paramref name="args"/>.</summary>
    IAttackChild Start(params string[] args);
}

/// <summary>A hostile child process. Disposing kills it if it still runs.</summary>
public interface IAttackChild : IDisposable
{
    /// <summary>Its pid.</summary>
    int Pid { get; }
    /// <summary>Whether it exited.</summary>
    bool HasExited { get; }
    /// <summary>Exit code (after exit; 128 + n for a signal n as the runtime reports it).</summary>
    int ExitCode { get; }
    /// <summary>Waits for a stdout line starting with <paramref name="prefix"/>; the rest, or null.</summary>
    string? WaitForLine(string prefix, TimeSpan timeout);
    /// <summary>Waits for exit; false on timeout.</summary>
    bool WaitForExit(TimeSpan timeout);
}
