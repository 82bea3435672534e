namespace Mediator.Tests.Eval;

/// <summary>The evaluation measures a victim's throughput: its tests run alone, not beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EvalCollection
{
    public const string Name = "Eval";
}
