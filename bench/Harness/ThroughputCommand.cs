using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Mediator.Bench.Harness;

/// <summary>Settings of one harness run (from the command line).</summary>
public sealed record HarnessSettings
{
    public string Profile { get; init; } = "quick";
    public double Warmup { get; init; } = 0.5;
    public double Measure { get; init; } = 1.5;
    public int Repeats { get; init; } = 1;
    public string[] Modes { get; init; } = Harness.Modes.All;
    public string? OutDir { get; init; }
    public bool Quiet { get; init; }
    public bool Plots { get; init; } = true;
    public string? Only { get; init; }
    /// <summary>Broker on CPU 0, every client on CPU 1 (<c>--pin</c>); default: the scheduler places them.</summary>
    public bool Pin { get; init; }
}

/// <summary>
/// <c>dotnet run -c Release --project bench -- throughput [--full|--smoke] [options]</c>: the
/// multi-process throughput harness. See <see cref="Usage"/>.
/// </summary>
public static class ThroughputCommand
{
    public const string Usage = """
        usage: throughput [--full | --smoke] [--repeats N] [--warmup S] [--measure S] [--modes A,B]
                          [--only TEXT] [--out DIR] [--no-plots] [--quiet] [--pin]
               throughput --report DIR
          (default)  quick profile, under a minute: batch 1/16/64/256 at 64 B, 1514 B, towards the
                     device, 4 clients, 10GbE pacing, eventfd wake-ups, inline re-arm, ping-pong latency
          --full     the whole sweep (batch x frame size, pacing 10/25GbE x frame size, 1-64 clients,
                     poll vs eventfd, re-arm, latency), 3 repeats by default
          --smoke    two tiny points (CI)
          --only     run only points whose name or group contains TEXT (e.g. "pacing", "b64 s64")
          --pin      the broker's threads on CPU 0 and every client's on CPU 1 (one broker core)
          --modes    modes to run, interleaved (default Mediated,TxDirect,DirectMap; unavailable ones are
                     reported as "not available")
          --report   re-render summary.md, results.csv and the plots of an earlier run from its results.json
        Writes results.json, results.csv, summary.md and PNG plots into results/throughput/<UTC time>/.
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--report")
        {
            return Rerender(args[1]);
        }
        HarnessSettings settings;
        try
        {
            settings = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (settings is null)
        {
            Console.WriteLine(Usage);
            return 0;
        }
        var run = Execute(settings);
        return run.Points.Any(r => r.Status.StartsWith("failed", StringComparison.Ordinal)) ? 1 : 0;
    }

    private static int Rerender(string dir)
    {
        string json = Path.Combine(dir, "results.json");
        if (!File.Exists(json))
        {
            Console.Error.WriteLine($"--report: no results.json in {dir}");
            return 2;
        }
        var run = System.Text.Json.JsonSerializer.Deserialize<HarnessRun>(File.ReadAllText(json), Report.Json)
            ?? throw new InvalidDataException($"{json} holds no run");
        Report.WriteAll(run, dir);
        Console.WriteLine($"re-rendered {Path.Combine(dir, "summary.md")}");
        return 0;
    }

    private static HarnessSettings Parse(string[] args)
    {
        var s = new HarnessSettings();
        bool repeatsGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--full": s = s with { Profile = "full", Warmup = 1, Measure = 3 }; break;
                case "--smoke": s = s with { Profile = "smoke", Warmup = 0.2, Measure = 0.5 }; break;
                case "--repeats": s = s with { Repeats = (int)Number() }; repeatsGiven = true; break;
                case "--warmup": s = s with { Warmup = Number() }; break;
                case "--measure": s = s with { Measure = Number() }; break;
                case "--modes": s = s with { Modes = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }; break;
                case "--only": s = s with { Only = Next() }; break;
                case "--out": s = s with { OutDir = Next() }; break;
                case "--no-plots": s = s with { Plots = false }; break;
                case "--quiet": s = s with { Quiet = true }; break;
                case "--pin": s = s with { Pin = true }; break;
                case "-h" or "--help": return null!;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (s.Profile == "full" && !repeatsGiven)
        {
            s = s with { Repeats = 3 };
        }
        return s;
    }

    /// <summary>Runs the plan and writes every output; returns the run (also for the CI smoke test).</summary>
    public static HarnessRun Execute(HarnessSettings settings)
    {
        var machine = MachineInfo.Read();
        var points = settings.Profile switch
        {
            "full" => Plan.Full(),
            "smoke" => Plan.Smoke(),
            _ => Plan.Quick(),
        };
        if (settings.Only is { } only)
        {
            points = [.. points.Where(p => p.Name.Contains(only, StringComparison.OrdinalIgnoreCase) || p.Group.Contains(only, StringComparison.OrdinalIgnoreCase))];
        }
        string outDir = settings.OutDir ?? Path.Combine(RepositoryRoot(), "results", "throughput", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(outDir);

        // Interleaving: each repeat walks every point, and each point runs every mode back to back, so
        // drifting machine load hits all modes alike. Points that share a broker configuration run
        // together so the broker starts once per configuration and repeat.
        var order = new List<(int Repeat, PointSpec Point, string Mode)>();
        for (int r = 0; r < settings.Repeats; r++)
        {
            foreach (var group in points.GroupBy(p => BrokerProcess.KeyOf(p, Modes.Mediated)))
            {
                foreach (var p in group)
                {
                    foreach (string mode in settings.Modes)
                    {
                        order.Add((r, p, mode));
                    }
                }
            }
        }
        var runner = new PointRunner(settings, machine);
        var results = new List<PointResult>();
        var started = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        BrokerProcess? broker = null;

        void RunAll(Action<string, int> progress)
        {
            try
            {
                for (int i = 0; i < order.Count; i++)
                {
                    var (repeat, p, mode) = order[i];
                    progress($"r{repeat + 1}/{settings.Repeats} {mode,-9} {p.Name}", i);
                    if (Modes.Unavailable(mode, p) is { } why)
                    {
                        results.Add(PointRunner.Describe(p, mode, repeat) with { Status = "not available: " + why });
                        continue;
                    }
                    string key = BrokerProcess.KeyOf(p, mode);
                    if (broker?.Key != key || broker.Process.HasExited)
                    {
                        broker?.Dispose();
                        broker = null;
                        broker = BrokerProcess.Start(p, mode, Path.GetTempPath());
                        if (settings.Pin)
                        {
                            Affinity.Pin(broker.Process.Pid, 0);
                        }
                    }
                    // Where the vCPUs sit now (see CacheLineProbe), measured with no client running and the
                    // broker stopped (a generator wire keeps its data path busy forever, and an idle one
                    // wakes to spin again every second).
                    double? lineRoundTrip = CacheLineProbe.RoundTripNanosecondsWhileStopped(broker.Process.Pid);
                    results.Add(runner.Run(p, mode, repeat, broker, outDir) with { LineRoundTripNs = lineRoundTrip });
                }
                progress("done", order.Count);
            }
            finally
            {
                broker?.Dispose();
            }
        }

        if (settings.Quiet)
        {
            RunAll((_, _) => { });
        }
        else
        {
            AnsiConsole.MarkupLine($"[bold]throughput harness[/]: {settings.Profile} profile, {points.Count} points x {settings.Modes.Length} modes x {settings.Repeats} repeats, "
                + $"warm-up {settings.Warmup} s, measure {settings.Measure} s, {machine.Cores} cores @ {machine.CpuMHz:0} MHz, load {machine.LoadAverage1m:0.00}, cache-line round trip {machine.LineRoundTripNs:0} ns");
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: Math.Max(1, order.Count));
                    RunAll((what, done) =>
                    {
                        task.Value = done;
                        var last = results.LastOrDefault();
                        string tail = last is { Ok: true } ? $" (last: {last.Mpps:0.00} Mpps)" : "";
                        task.Description = Markup.Escape(what + tail);
                    });
                });
        }
        var run = new HarnessRun
        {
            Settings = settings, Machine = machine, StartedUtc = started, WallSeconds = watch.Elapsed.TotalSeconds,
            LineRoundTripNsAtEnd = CacheLineProbe.RoundTripNanoseconds(),
            Command = "dotnet run -c Release --project bench -- throughput " + string.Join(' ', Environment.GetCommandLineArgs().SkipWhile(a => a != "throughput").Skip(1)),
            GitCommit = GitCommit(), OutputDirectory = outDir, Points = results,
        };
        Report.WriteAll(run, outDir);
        if (!settings.Quiet)
        {
            AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(outDir)}[/] (summary.md, results.json, results.csv, plots) in {run.WallSeconds:0} s");
            Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "summary.md")));
        }
        return run;
    }

    /// <summary>The repository root (where Mediator.sln is), else the current directory.</summary>
    public static string RepositoryRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Mediator.sln")))
                {
                    return d.FullName;
                }
            }
        }
        return Environment.CurrentDirectory;
    }

    private static string GitCommit()
    {
        try
        {
            var info = new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot() };
            using var git = Process.Start(info);
            string output = git!.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}

/// <summary>Everything one harness run produced (serialised to results.json).</summary>
public sealed record HarnessRun
{
    public required HarnessSettings Settings { get; init; }
    public required MachineInfo Machine { get; init; }
    public DateTime StartedUtc { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>The cache-line round trip measured again after the last point (see <see cref="MachineInfo.LineRoundTripNs"/>).</summary>
    public double? LineRoundTripNsAtEnd { get; init; }
    public string Command { get; init; } = "";
    public string GitCommit { get; init; } = "";
    public string OutputDirectory { get; init; } = "";
    public List<PointResult> Points { get; init; } = [];
}
