using Mediator.Eval.Oracle;

namespace Mediator.Eval.Runner;

/// <summary>One refusal counter reconciled: what the attack declared against what the broker counted.</summary>
/// <param name="Counter">The counter.</param>
/// <param name="Expected">Declared range.</param>
/// <param name="Actual">The broker's count for the attacker's queues.</param>
/// <param name="Ok">Whether <paramref name="Actual"/> lies in the declared range.</param>
public sealed record ReconcileLine(string Counter, string Expected, long Actual, bool Ok);

/// <summary>One cell of the matrix.</summary>
public sealed record AttackResult
{
    /// <summary>Attack name.</summary>
    public required string Attack { get; init; }
    /// <summary>Its family.</summary>
    public required AttackFamily Family { get; init; }
    /// <summary>The mode.</summary>
    public required EvalMode Mode { get; init; }
    /// <summary>The oracle's verdict.</summary>
    public required Outcome Outcome { get; init; }
    /// <summary>Why (empty for Blocked).</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];
    /// <summary>The evidence (null when not run).</summary>
    public Evidence? Evidence { get; init; }
    /// <summary>Refusal counters against declarations (Mediated only).</summary>
    public IReadOnlyList<ReconcileLine> Refusals { get; init; } = [];
    /// <summary>Every refusal counter matched its declaration.</summary>
    public bool Reconciled { get; init; } = true;
    /// <summary>What the attack observed.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>The attack itself failed (an exception), which is reported but is not an outcome.</summary>
    public string? AttackError { get; init; }
    /// <summary>Wall time of the cell.</summary>
    public double Seconds { get; init; }
}
