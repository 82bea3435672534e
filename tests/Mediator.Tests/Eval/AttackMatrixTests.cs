using Mediator.Eval;
using Mediator.Eval.Attacks;
using Mediator.Eval.Runner;

namespace Mediator.Tests.Eval;

/// <summary>The matrix in Mediated mode: every attack of the catalogue is Blocked and its refusals reconcile.</summary>
[Collection(EvalCollection.Name)]
public sealed class AttackMatrixTests
{
    public static TheoryData<string> Attacks() => [.. Catalogue.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Attack_is_blocked_in_mediated_mode_and_refusals_reconcile(string name)
    {
        var attack = Catalogue.Find(name)!;
        var result = AttackRunner.Run(attack, EvalMode.Mediated, EvalTestOptions.Run);
        string detail = EvalTestOptions.Describe(result);
        Assert.True(result.Outcome == Outcome.Blocked, detail);
        Assert.True(result.AttackError is null, detail);
        Assert.True(result.Reconciled, detail);
    }
}
