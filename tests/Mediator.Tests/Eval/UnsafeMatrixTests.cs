using Mediator.Eval;
using Mediator.Eval.Attacks;
using Mediator.Eval.Runner;

namespace Mediator.Tests.Eval;

/// <summary>
/// The unsafe columns of the matrix, through the client library's DirectQueue: the same attacks that
/// are Blocked in Mediated visibly succeed when the attacker drives the device. DirectMap reads and
/// writes foreign memory; TxDirect reads it but can never make the device write it.
/// </summary>
[Collection(EvalCollection.Name)]
public sealed class UnsafeMatrixTests
{
    [Theory]
    [InlineData("ReadBrokerCanary", EvalMode.DirectMap, Outcome.Leaked)]
    [InlineData("ReadVictimCanary", EvalMode.DirectMap, Outcome.Leaked)]
    [InlineData("MsixToBrokerCanary", EvalMode.DirectMap, Outcome.Corrupted)]
    [InlineData("FillVictimCanary", EvalMode.DirectMap, Outcome.Corrupted)]
    public void DirectMap_attack_has_the_expected_outcome(string name, EvalMode mode, Outcome expected)
    {
        var result = AttackRunner.Run(Catalogue.Find(name)!, mode, EvalTestOptions.Run);
        string detail = EvalTestOptions.Describe(result);
        Assert.True(result.Outcome == expected, detail);
        Assert.True(result.AttackError is null, detail);
        if (expected == Outcome.Corrupted)
        {
            Assert.False(result.Evidence!.BrokerCanaryIntact && result.Evidence.VictimCanaryIntact, detail);
        }
    }

    /// <summary>The memory attacks that hand the device raw descriptors, registers or MSI-X entries.</summary>
    public static TheoryData<string> MemoryAttacks() =>
    [
        "ReadBrokerCanary", "ReadVictimCanary", "ReadVictimUmem", "ReadInterruptPage", "ReadDeviceRing", "ReadBar",
        "PastUmemEnd", "OffsetLengthOverflow", "ReadUnmapped",
        "FillBrokerCanary", "FillVictimCanary", "FillInterruptPage",
        "MsixToBrokerCanary", "MsixToVictimCanary", "TxRingBaseToCanary",
    ];

    [Theory]
    [MemberData(nameof(MemoryAttacks))]
    public void TxDirect_reads_foreign_memory_but_never_corrupts_it(string name)
    {
        var result = AttackRunner.Run(Catalogue.Find(name)!, EvalMode.TxDirect, EvalTestOptions.Run);
        string detail = EvalTestOptions.Describe(result);
        Assert.True(result.Outcome is not (Outcome.Corrupted or Outcome.Crashed or Outcome.NotRun), detail);
        Assert.True(result.AttackError is null, detail);
        Assert.True(result.Evidence!.BrokerCanaryIntact && result.Evidence.VictimCanaryIntact, detail);
        if (name.StartsWith("Read", StringComparison.Ordinal) && name != "ReadUnmapped")
        {
            Assert.True(result.Outcome == Outcome.Leaked, detail);
        }
    }
}
