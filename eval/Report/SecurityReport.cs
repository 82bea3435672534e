using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mediator.Eval.Fuzzing;
using Mediator.Eval.Runner;

namespace Mediator.Eval.Report;

/// <summary>The matrix and the fuzzer's numbers, written as JSON, Markdown and a PNG heat map.</summary>
/// <param name="Results">Every cell.</param>
/// <param name="Fuzz">Every fuzzer run.</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="When">When it ran.</param>
public sealed record SecurityReport(IReadOnlyList<AttackResult> Results, IReadOnlyList<FuzzReport> Fuzz, string Machine, DateTimeOffset When)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Every attack run in Mediated mode was Blocked, reconciled its refusals and the fuzzer found nothing.</summary>
    public bool MediatedAllBlocked =>
        Results.Where(r => r.Mode == EvalMode.Mediated).All(r => r.Outcome == Outcome.Blocked && r.Reconciled && r.AttackError is null)
        && Fuzz.Where(f => f.Mode == EvalMode.Mediated).All(f => f.Outcome == Outcome.Blocked && f.Violations == 0);

    /// <summary>The modes present, in order.</summary>
    public IReadOnlyList<EvalMode> Modes => [.. Results.Select(r => r.Mode).Distinct().Order()];

    /// <summary>The attacks present, in catalogue order.</summary>
    public IReadOnlyList<(string Name, AttackFamily Family)> Attacks => [.. Results.Select(r => (r.Attack, r.Family)).Distinct()];

    /// <summary>Writes matrix.json, matrix.md and matrix.png into <paramref name="directory"/>.</summary>
    public void WriteAll(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "matrix.json"), JsonSerializer.Serialize(this, Json));
        File.WriteAllText(Path.Combine(directory, "matrix.md"), ToMarkdown());
        HeatMap.Write(this, Path.Combine(directory, "matrix.png"));
    }

    /// <summary>One line per outcome and mode, and the fuzzer's numbers.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        foreach (var mode in Modes)
        {
            var cells = Results.Where(r => r.Mode == mode).GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"{mode}: {string.Join(", ", cells)}");
        }
        foreach (var f in Fuzz)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"fuzzer {f.Mode}: {f.DescriptorsTried:N0} descriptors + {f.IndexWordsTried:N0} index words in {f.Seconds:N1} s, {f.Violations} violations, {f.Outcome}");
        }
        sb.Append(MediatedAllBlocked ? "Mediated: every attack Blocked" : "Mediated: NOT every attack Blocked");
        return sb.ToString();
    }

    /// <summary>The Markdown report (docs/security.md pastes it).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var modes = Modes;
        sb.AppendLine(CultureInfo.InvariantCulture, $"Measured on `{Machine}`, {When:yyyy-MM-dd HH:mm} UTC, by `mediator eval security`.");
        sb.AppendLine();
        sb.AppendLine("| family | attack | " + string.Join(" | ", modes) + " | refusals (Mediated) |");
        sb.AppendLine("| --- | --- | " + string.Join(" | ", modes.Select(_ => "---")) + " | --- |");
        foreach (var (name, family) in Attacks)
        {
            var row = modes.Select(m => Results.FirstOrDefault(r => r.Attack == name && r.Mode == m)).ToArray();
            var mediated = Results.FirstOrDefault(r => r.Attack == name && r.Mode == EvalMode.Mediated);
            var shown = mediated?.Refusals.Where(l => l.Actual != 0 || !l.Ok).ToArray() ?? [];
            string refusals = mediated is null ? "" : shown.Length == 0 ? "none" :
                string.Join(", ", shown.Select(l => $"{Short(l.Counter)} {l.Actual}{(l.Ok ? "" : $" (want {l.Expected})")}"));
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {family} | {name} | {string.Join(" | ", row.Select(Cell))} | {refusals} |");
        }
        var bad = Results.Where(r => r.Outcome is not (Outcome.Blocked or Outcome.NotRun) || r.AttackError is not null || !r.Reconciled).ToArray();
        if (bad.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Cells that are not a clean Blocked:");
            sb.AppendLine();
            foreach (var r in bad)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- **{r.Attack} / {r.Mode}: {r.Outcome}**: {string.Join("; ", r.Reasons)}{(r.AttackError is null ? "" : $"; attack error: {r.AttackError}")}{(r.Reconciled ? "" : "; refusals do not reconcile")}");
            }
        }
        var notRun = Results.Where(r => r.Outcome == Outcome.NotRun).Select(r => $"{r.Mode}: {(r.Reasons.Count > 0 ? r.Reasons[0] : "")}").Distinct().ToArray();
        if (notRun.Length > 0)
        {
            sb.AppendLine();
            foreach (string line in notRun)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"NotRun — {line}");
            }
        }
        if (Fuzz.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| fuzzer | seed | seconds | descriptors tried | index words | violations | outcome | victim frames/s (baseline → under fuzz) | refusals |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var f in Fuzz)
            {
                string refusals = f.Outcome == Outcome.NotRun ? "" : string.Join(", ", f.Refusals.Select(kv => $"{Short(kv.Key)} {kv.Value:N0}"));
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {f.Mode} | {f.Seed} | {f.Seconds:N1} | {f.DescriptorsTried:N0} | {f.IndexWordsTried:N0} | {f.Violations} | {f.Outcome} | {f.VictimBaseline:N0} → {f.VictimUnderAttack:N0} | {refusals} |");
            }
        }
        return sb.ToString();
    }

    private static string Cell(AttackResult? r) => r is null ? "" : r.Outcome switch
    {
        Outcome.Blocked => r.AttackError is null && r.Reconciled ? "Blocked" : "Blocked*",
        Outcome.NotRun => "NotRun",
        var o => $"**{o}**",
    };

    private static string Short(string counter) => counter.Replace("Refused", "", StringComparison.Ordinal);
}
