using Mediator.Eval.Runner;

namespace Mediator.Tests.Eval;

/// <summary>Short windows for the test suite (the CLI uses longer ones).</summary>
internal static class EvalTestOptions
{
    public static RunOptions Run { get; } = new()
    {
        Baseline = TimeSpan.FromMilliseconds(200),
        Window = TimeSpan.FromMilliseconds(250),
        Launcher = new Mediator.Cli.ChildLauncher(),
    };

    public static string Describe(AttackResult r) =>
        $"{r.Attack}/{r.Mode}: {r.Outcome} in {r.Seconds:N2} s; reasons: {string.Join("; ", r.Reasons)}; error: {r.AttackError}; " +
        $"refusals: {string.Join(", ", r.Refusals.Select(l => $"{l.Counter} {l.Actual} (want {l.Expected}){(l.Ok ? "" : " MISMATCH")}"))}; " +
        $"victim {r.Evidence?.VictimUnderAttack:N0}/{r.Evidence?.VictimBaseline:N0}; notes: {string.Join(" | ", r.Notes)}";
}
