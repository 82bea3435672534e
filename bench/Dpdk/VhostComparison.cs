using System.Globalization;
using System.Text;
using System.Text.Json;
using Mediator.Bench.Harness;

namespace Mediator.Bench.Dpdk;

/// <summary>Settings of one DPDK comparison run (from the command line).</summary>
public sealed record VhostComparisonSettings
{
    public double Warmup { get; init; } = 1;
    public double Measure { get; init; } = 3;
    public int Repeats { get; init; } = 3;
    public string? OutDir { get; init; }
    public bool Quiet { get; init; }
    /// <summary>Which parts to run: "dpdk" (DPDK's own pair), "mediator" (testpmd through the broker's vhost-user port), "library" (Mediator's client library).</summary>
    public string[] Parts { get; init; } = ["dpdk", "mediator", "library"];
}

/// <summary>Everything one comparison run measured (serialised to results.json).</summary>
public sealed record VhostComparisonRun
{
    public required VhostComparisonSettings Settings { get; init; }
    public required MachineInfo Machine { get; init; }
    public DateTime StartedUtc { get; init; }
    public double WallSeconds { get; init; }
    public string LoadAverageAtStart { get; init; } = "";
    public string LoadAverageAtEnd { get; init; } = "";
    public string OutputDirectory { get; init; } = "";
    public List<PointResult> Points { get; init; } = [];
}

/// <summary>
/// Issue 6 target 6 / issue 5 "Benchmark": the mediated path against DPDK's own vhost-user on the same
/// two cores, 64-byte frames, burst 64, in both directions. Rows are <see cref="PointResult"/>s (the
/// throughput harness's CSV columns), with the trusted side's CPU in the broker columns and the untrusted
/// side's in the client columns. Modes: <see cref="Dpdk"/> (testpmd net_vhost ↔ testpmd virtio-user),
/// <see cref="MediatorVhost"/> (testpmd virtio-user ↔ the broker's vhost-user port),
/// <see cref="MediatorLibrary"/> (pktgen/sink through the client library).
/// </summary>
public static partial class VhostComparison
{
    public const string Dpdk = "DPDK net_vhost";
    public const string MediatorVhost = "Mediator vhost-user";
    public const string MediatorLibrary = "Mediator library";
    public const string Group = "dpdk-comparison";

    public const string Towards = "towards b64 s64";
    public const string From = "from b64 s64";
    public const string Loop = "loopback b64 s64";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs every part (repeats interleaved), writes results.json, results.csv and summary.md; returns the run.</summary>
    public static VhostComparisonRun Execute(VhostComparisonSettings settings, Action<string>? progress = null)
    {
        progress ??= _ => { };
        var machine = MachineInfo.Read();
        string outDir = settings.OutDir ?? Path.Combine(ThroughputCommand.RepositoryRoot(), "results", "vhost", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", Inv));
        Directory.CreateDirectory(outDir);
        string loadStart = LoadAverage();
        var started = DateTime.UtcNow;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var points = new List<PointResult>();
        string? missing = TestPmd.MissingPrerequisite();
        using (var hugepages = missing is null ? HugepageReservation.Reserve(512) : null)
        {
            for (int r = 0; r < settings.Repeats; r++)
            {
                if (settings.Parts.Contains("dpdk"))
                {
                    foreach (var direction in new[] { Direction.TowardsBackEnd, Direction.FromBackEnd })
                    {
                        progress($"r{r + 1} {Dpdk} {Name(direction)}");
                        points.Add(missing is not null ? Row(Dpdk, Name(direction), r) with { Status = "not available: " + missing }
                            : RunDpdk(direction, settings, machine, r) with { LineRoundTripNs = CacheLineProbe.RoundTripNanoseconds() });
                    }
                }
                if (settings.Parts.Contains("mediator"))
                {
                    foreach (string point in new[] { Towards, From })
                    {
                        progress($"r{r + 1} {MediatorVhost} {point}");
                        points.Add(missing is not null ? Row(MediatorVhost, point, r) with { Status = "not available: " + missing }
                            : RunMediatorVhost(point, settings, machine, r) with { LineRoundTripNs = CacheLineProbe.RoundTripNanoseconds() });
                    }
                }
                if (settings.Parts.Contains("library"))
                {
                    foreach (string point in new[] { Towards, From, Loop })
                    {
                        progress($"r{r + 1} {MediatorLibrary} {point}");
                        points.Add(RunLibrary(point, settings, machine, r, outDir) with { LineRoundTripNs = CacheLineProbe.RoundTripNanoseconds() });
                    }
                }
            }
        }
        var run = new VhostComparisonRun
        {
            Settings = settings, Machine = machine, StartedUtc = started, WallSeconds = watch.Elapsed.TotalSeconds,
            LoadAverageAtStart = loadStart, LoadAverageAtEnd = LoadAverage(), OutputDirectory = outDir, Points = points,
        };
        File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(run, Report.Json));
        File.WriteAllText(Path.Combine(outDir, "results.csv"), Report.Csv(points));
        File.WriteAllText(Path.Combine(outDir, "summary.md"), Summary(run));
        return run;
    }

    private static string Name(Direction d) => d == Direction.TowardsBackEnd ? Towards : From;

    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>An empty row of this comparison.</summary>
    public static PointResult Row(string mode, string point, int repeat) => new()
    {
        Point = point, Group = Group, Mode = mode, Repeat = repeat, Batch = 64, FrameSize = 64, Clients = 1, Pacing = "unpaced", Wake = "Poll", Rearm = "Parallel",
        Traffic = point switch { Towards => "TxOnly", From => "RxOnly", _ => "Pairs" },
    };

    /// <summary>A row from a window: <paramref name="trusted"/> and <paramref name="untrusted"/> index the window's processes.</summary>
    public static PointResult FromWindow(PointResult row, RateWindow w, MachineInfo machine, int trusted, IReadOnlyList<int> untrusted)
    {
        double trustedNs = w.NsPerPacket(trusted);
        return row with
        {
            Seconds = w.Seconds, Mpps = w.Mpps, Gbps = w.Mpps * 1e6 * row.FrameSize * 8 / 1e9,
            TxMpps = row.Traffic == "RxOnly" ? 0 : w.Mpps, RxMpps = row.Traffic == "TxOnly" ? 0 : w.Mpps,
            BrokerNsPerPacket = trustedNs, BrokerCyclesPerPacket = trustedNs * machine.CpuMHz / 1000, BrokerCores = w.Cores[trusted],
            ClientNsPerPacket = untrusted.Sum(w.NsPerPacket), ClientCores = untrusted.Sum(i => w.Cores[i]),
        };
    }

    private static PointResult RunDpdk(Direction direction, VhostComparisonSettings s, MachineInfo machine, int repeat)
    {
        var row = Row(Dpdk, Name(direction), repeat);
        try
        {
            var run = DpdkVhostPair.Run(direction, s.Warmup, s.Measure);
            // Window processes: [sender, receiver]; the back end (trusted) receives towards it and sends from it.
            int trusted = direction == Direction.TowardsBackEnd ? 1 : 0;
            return FromWindow(row, run.Window, machine, trusted, [1 - trusted]);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
        {
            return row with { Status = "failed: " + e.Message.ReplaceLineEndings(" ") };
        }
    }

    private static PointResult RunLibrary(string point, VhostComparisonSettings s, MachineInfo machine, int repeat, string outDir)
    {
        // From the back end: the device's generator wire into a counting sink (the counterpart of net_vhost
        // txonly → virtio-user rxonly); inline re-arm, as the broker chooses on fewer than 4 cores.
        var spec = new PointSpec
        {
            Group = Group, Batch = 64, FrameSize = 64, Rearm = Rearm.Inline,
            Traffic = point switch { Towards => Traffic.TxOnly, From => Traffic.RxOnly, _ => Traffic.Pairs },
        };
        var row = Row(MediatorLibrary, point, repeat);
        try
        {
            using var broker = BrokerProcess.Start(spec, Modes.Mediated, Path.GetTempPath());
            var result = new PointRunner(new HarnessSettings { Warmup = s.Warmup, Measure = s.Measure, Plots = false, Quiet = true }, machine)
                .Run(spec, Modes.Mediated, repeat, broker, outDir);
            return result with { Point = row.Point, Group = row.Group, Mode = row.Mode };
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
        {
            return row with { Status = "failed: " + e.Message.ReplaceLineEndings(" ") };
        }
    }

    /// <summary>The median (by Mpps) over repeats of each (mode, point) that ran.</summary>
    public static PointResult? Median(VhostComparisonRun run, string mode, string point) =>
        Report.Median(run.Points.Where(p => p.Mode == mode && p.Point == point));

    private static string F(double v, string format = "0.00") => double.IsFinite(v) ? v.ToString(format, Inv) : "–";

    /// <summary>The Markdown summary: one row per mode and direction (medians), ratios to DPDK's own back end.</summary>
    public static string Summary(VhostComparisonRun run)
    {
        var m = run.Machine;
        var sb = new StringBuilder();
        sb.AppendLine("# Mediated path against DPDK vhost-user (issue 6 target 6)");
        sb.AppendLine();
        sb.AppendLine(Inv, $"- started {run.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {run.WallSeconds:0} s; {m.Cores} cores, {m.CpuModel} at {m.CpuMHz:0} MHz, kernel {m.Kernel}");
        sb.AppendLine(Inv, $"- /proc/loadavg at start `{run.LoadAverageAtStart}`, at end `{run.LoadAverageAtEnd}` (other work on the machine lowers every figure); CPU 0 ↔ CPU 1 cache-line round trip at start {(m.LineRoundTripNs is { } ns ? ns.ToString("0", Inv) + " ns" : "not measured")} (where the hypervisor placed the two vCPUs: see docs/performance.md)");
        sb.AppendLine(Inv, $"- 64-byte frames, burst/batch 64, one forwarding core per testpmd (back end CPU {DpdkVhostPair.BackEndCpu}, front end CPU {DpdkVhostPair.FrontEndCpu}), 512 × 2 MiB hugepages; warm-up {run.Settings.Warmup} s, window {run.Settings.Measure} s, {run.Settings.Repeats} repeat(s), medians");
        sb.AppendLine("- trusted side = net_vhost testpmd or the broker; untrusted side = virtio-user testpmd or the library clients; CPU from /proc/PID/stat over the window");
        sb.AppendLine();
        sb.AppendLine("Each point's cache-line round trip (\"line RTT\") is measured right after it, with its processes gone: the median repeat's is shown.");
        sb.AppendLine();
        sb.AppendLine("| direction | back end | front end | Mpps | trusted side cores | trusted ns/pkt | untrusted side cores | untrusted ns/pkt | line RTT ns | / DPDK |");
        sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var dpdkTowards = Median(run, Dpdk, Towards);
        var dpdkFrom = Median(run, Dpdk, From);
        foreach (string point in new[] { Towards, From, Loop })
        {
            foreach (string mode in new[] { Dpdk, MediatorVhost, MediatorLibrary })
            {
                if (!run.Points.Any(p => p.Mode == mode && p.Point == point))
                {
                    continue;
                }
                string backEnd = mode == Dpdk ? "testpmd net_vhost" : "mediator broker";
                string frontEnd = mode == MediatorLibrary ? point switch { Towards => "pktgen (library)", From => "sink --count-only (library) ← device generator", _ => "pktgen → sink (library)" }
                    : point == Towards ? "testpmd virtio-user txonly" : point == From ? (mode == Dpdk ? "testpmd virtio-user rxonly" : "testpmd virtio-user rxonly ← device generator") : "";
                string direction = point switch { Towards => "towards the back end", From => "from the back end", _ => "both (device loopback)" };
                var r = Median(run, mode, point);
                if (r is null)
                {
                    string status = run.Points.First(p => p.Mode == mode && p.Point == point).Status;
                    sb.AppendLine(Inv, $"| {direction} | {backEnd} | {frontEnd} | {status.Replace("|", "\\|", StringComparison.Ordinal)} ||||||");
                    continue;
                }
                var reference = point == Towards ? dpdkTowards : dpdkFrom;
                string ratio = mode == Dpdk || reference is null ? "" : F(r.Mpps / reference.Mpps, "0.00") + (point == Loop ? " (vs DPDK from)" : "");
                sb.AppendLine(Inv, $"| {direction} | {backEnd} | {frontEnd} | {F(r.Mpps)} | {F(r.BrokerCores)} | {F(r.BrokerNsPerPacket, "0.0")} | {F(r.ClientCores)} | {F(r.ClientNsPerPacket, "0.0")} | {(r.LineRoundTripNs is { } rtt ? F(rtt, "0") : "")} | {ratio} |");
            }
        }
        sb.AppendLine();
        sb.AppendLine(Inv, $"Issue 6's figures for DPDK's own pair on an idle VM: {Report.VhostTowardsDeviceMpps} Mpps towards, {Report.VhostFromDeviceMpps} Mpps from the back end.");
        var failed = run.Points.Where(p => p.Status.StartsWith("failed", StringComparison.Ordinal)).ToList();
        if (failed.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Failures");
            foreach (var p in failed)
            {
                sb.AppendLine(Inv, $"- {p.Mode} {p.Point} r{p.Repeat}: {p.Status}");
            }
        }
        return sb.ToString();
    }
}
