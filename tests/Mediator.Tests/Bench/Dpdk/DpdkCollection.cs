namespace Mediator.Tests.Bench.Dpdk;

/// <summary>
/// Tests that run dpdk-testpmd: each busy-polls one forwarding core per process, so they run alone,
/// one at a time (they also share the hugepage reservation).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DpdkCollection
{
    public const string Name = "dpdk-testpmd";
}
