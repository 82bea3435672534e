using System.CommandLine;
using Mediator.Eval;
using Mediator.Eval.Attacks;
using Mediator.Eval.Children;
using Mediator.Eval.Fuzzing;
using Mediator.Eval.Report;
using Mediator.Eval.Runner;
using Spectre.Console;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator eval security</c>: the attack × mode matrix with a progress display, the hostile-client
/// fuzzer, and the report (matrix.json, matrix.md, matrix.png). Exit status 1 when any attack is not
/// Blocked in Mediated mode (or the fuzzer found a violation). <c>mediator eval attack-child</c> (hidden)
/// is the hostile child process some attacks start.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Results folder", DefaultValueFactory = _ => "results/security" };
        var modes = new Option<EvalMode[]>("--modes") { Description = "Modes to run", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [EvalMode.Mediated, EvalMode.TxDirect, EvalMode.DirectMap] };
        var fuzzSeconds = new Option<double>("--fuzz-seconds") { Description = "Fuzzer duration per mode (0: skip)", DefaultValueFactory = _ => 10 };
        var only = new Option<string[]>("--attack") { Description = "Run only these attacks", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the attacks and the fuzzer", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--victim-rate") { Description = "Victim's offered load, frames/s", DefaultValueFactory = _ => 20_000 };
        var security = new Command("security", "Run the attack catalogue against every mode and write the report") { output, modes, fuzzSeconds, only, seed, rate };
        security.SetAction(r => Security(r.GetValue(output)!, r.GetValue(modes)!, r.GetValue(fuzzSeconds), r.GetValue(only) ?? [], r.GetValue(seed), r.GetValue(rate)));

        var name = new Argument<string>("name") { Description = string.Join(", ", AttackChildren.Names) };
        var socket = CommonOptions.Socket();
        var go = new Option<string?>("--go") { Description = "Act only once this file exists" };
        var child = new Command("attack-child", "A hostile child process (used by the evaluation)") { Hidden = true };
        child.Arguments.Add(name);
        child.Options.Add(socket);
        child.Options.Add(go);
        child.SetAction(r => AttackChildren.Run(r.GetValue(name)!, r.GetValue(socket)!, r.GetValue(go)));

        return new Command("eval", "Security evaluation") { Subcommands = { security, child } };
    }

    private static int Security(string outDir, EvalMode[] modes, double fuzzSeconds, string[] only, int seed, double victimRate)
    {
        var attacks = only.Length == 0 ? Catalogue.All : [.. Catalogue.All.Where(a => only.Contains(a.Name, StringComparer.OrdinalIgnoreCase))];
        var options = new RunOptions { Seed = seed, VictimRate = victimRate, Launcher = new ChildLauncher() };
        var results = new List<AttackResult>();
        var fuzz = new List<FuzzReport>();
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var matrix = ctx.AddTask("attack × mode", maxValue: attacks.Count * modes.Length);
                foreach (var mode in modes)
                {
                    foreach (var attack in attacks)
                    {
                        matrix.Description = $"{mode}: {attack.Name}".EscapeMarkup();
                        results.Add(AttackRunner.Run(attack, mode, options));
                        matrix.Increment(1);
                    }
                }
                matrix.Description = "attack × mode";
                if (fuzzSeconds > 0)
                {
                    var fuzzing = ctx.AddTask("fuzzer", maxValue: modes.Length);
                    foreach (var mode in modes)
                    {
                        fuzzing.Description = $"fuzzer: {mode}";
                        fuzz.Add(HostileClientFuzzer.Run(mode, TimeSpan.FromSeconds(fuzzSeconds), seed, options));
                        fuzzing.Increment(1);
                    }
                }
            });
        var report = new SecurityReport(results, fuzz, Environment.MachineName, DateTimeOffset.UtcNow);
        Directory.CreateDirectory(outDir);
        report.WriteAll(outDir);
        AnsiConsole.Write(new Markup(report.Summary().EscapeMarkup() + "\n"));
        AnsiConsole.MarkupLine($"report: [bold]{Path.Combine(outDir, "matrix.md").EscapeMarkup()}[/], matrix.json, matrix.png");
        return report.MediatedAllBlocked ? 0 : 1;
    }
}
