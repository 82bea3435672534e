using Mediator.Eval;
using Mediator.Eval.Attacks;
using Mediator.Eval.Fuzzing;
using Mediator.Eval.Report;
using Mediator.Eval.Runner;

namespace Mediator.Tests.Eval;

[Collection(EvalCollection.Name)]
public sealed class FuzzerAndReportTests
{
    [Fact]
    public void Seeded_fuzzer_finds_no_violation_in_mediated_mode()
    {
        var report = HostileClientFuzzer.Run(EvalMode.Mediated, TimeSpan.FromSeconds(3), seed: 42, EvalTestOptions.Run);
        string detail = $"{report.DescriptorsTried} descriptors, {report.Violations} violations, {report.Outcome}: {string.Join("; ", report.Reasons)}; refusals {string.Join(", ", report.Refusals)}";
        Assert.Equal(0, report.Violations);
        Assert.True(report.Outcome == Outcome.Blocked, detail);
        Assert.True(report.DescriptorsTried > 10_000, detail);
        Assert.True(report.Refusals.Count >= 5, detail); // the adversarial values reach most of the rules
    }

    [Fact]
    public void Report_writes_json_markdown_and_png()
    {
        var results = new List<AttackResult>
        {
            AttackRunner.Run(Catalogue.Find("BadLengths")!, EvalMode.Mediated, EvalTestOptions.Run),
            AttackRunner.Run(Catalogue.Find("BadLengths")!, EvalMode.TxDirect, EvalTestOptions.Run),
        };
        var report = new SecurityReport(results, [], "test", DateTimeOffset.UtcNow);
        var dir = Directory.CreateTempSubdirectory("mediator-eval-report-");
        try
        {
            report.WriteAll(dir.FullName);
            Assert.Contains("| AddressesAndLengths | BadLengths | Blocked | Blocked |", File.ReadAllText(Path.Combine(dir.FullName, "matrix.md")), StringComparison.Ordinal);
            Assert.Contains("\"Outcome\": \"Blocked\"", File.ReadAllText(Path.Combine(dir.FullName, "matrix.json")), StringComparison.Ordinal);
            byte[] png = File.ReadAllBytes(Path.Combine(dir.FullName, "matrix.png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(report.MediatedAllBlocked);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
