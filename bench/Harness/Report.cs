using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mediator.Bench.Harness;

/// <summary>Writes results.json, results.csv, summary.md and the plots of a run.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The DPDK vhost-user figures the issue measured on these VMs (one core per side, 64 B, burst 64).</summary>
    public const double VhostTowardsDeviceMpps = 16.5;
    public const double VhostFromDeviceMpps = 21.5;

    public static void WriteAll(HarnessRun run, string dir)
    {
        File.WriteAllText(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(run, Json));
        File.WriteAllText(Path.Combine(dir, "results.csv"), Csv(run.Points));
        var plots = new List<string>();
        if (run.Settings.Plots)
        {
            plots = Plots.WriteAll(run, dir);
        }
        File.WriteAllText(Path.Combine(dir, "summary.md"), Summary(run, plots));
    }

    public static readonly string[] CsvColumns =
    [
        "point", "group", "mode", "repeat", "status", "traffic", "batch", "frame_size", "clients", "pacing", "line_rate_mpps", "wake", "rearm",
        "seconds", "mpps", "gbps", "tx_mpps", "rx_mpps", "drop_mpps", "broker_ns_per_pkt", "broker_cycles_per_pkt", "broker_cores",
        "client_ns_per_pkt", "client_cores", "signals_per_pkt", "signals_per_batch", "broker_wakeups_per_pkt", "vol_switches_per_pkt",
        "preemptions_per_s", "fairness", "p50_us", "p99_us", "p999_us", "latency_samples", "corrupt", "dma_violations", "line_round_trip_ns",
    ];

    public static string Csv(IEnumerable<PointResult> points)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', CsvColumns));
        foreach (var r in points)
        {
            object[] v =
            [
                r.Point, r.Group, r.Mode, r.Repeat, r.Status, r.Traffic, r.Batch, r.FrameSize, r.Clients, r.Pacing, r.LineRateMpps, r.Wake, r.Rearm,
                r.Seconds, r.Mpps, r.Gbps, r.TxMpps, r.RxMpps, r.DropMpps, r.BrokerNsPerPacket, r.BrokerCyclesPerPacket, r.BrokerCores,
                r.ClientNsPerPacket, r.ClientCores, r.SignalsPerPacket, r.SignalsPerBatch, r.BrokerWakeupsPerPacket, r.VoluntarySwitchesPerPacket,
                r.PreemptionsPerSecond, r.Fairness, r.P50Us, r.P99Us, r.P999Us, r.LatencySamples, r.Corrupt, r.DmaViolations, r.LineRoundTripNs ?? double.NaN,
            ];
            sb.AppendLine(string.Join(',', v.Select(Field)));
        }
        return sb.ToString();
    }

    private static string Field(object o) => o switch
    {
        string s when s.Contains(',') || s.Contains('"') => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
        double d => double.IsFinite(d) ? d.ToString("0.####", Inv) : "",
        IFormattable f => f.ToString(null, Inv),
        _ => o.ToString() ?? "",
    };

    /// <summary>The median over repeats of each (point, mode) that ran; null when none did.</summary>
    public static PointResult? Median(IEnumerable<PointResult> repeats)
    {
        var ok = repeats.Where(r => r.Ok).OrderBy(r => r.Mpps).ToList();
        return ok.Count == 0 ? null : ok[ok.Count / 2];
    }

    public static IEnumerable<(string Point, PointResult First, Dictionary<string, PointResult?> ByMode)> ByPoint(HarnessRun run) =>
        run.Points.GroupBy(r => r.Point).Select(g => (g.Key, g.First(), g.GroupBy(r => r.Mode).ToDictionary(m => m.Key, m => Median(m))));

    /// <summary>Round trips below this are "near" (the two vCPUs share a cache); at or above, "far".</summary>
    public const double NearRoundTripNs = 150;

    /// <summary>"near", "far", or "?" (not measured): where the vCPUs sat just before this point ran.</summary>
    public static string Regime(PointResult r) => r.LineRoundTripNs switch { null => "?", < NearRoundTripNs => "near", _ => "far" };

    // Mediated against DirectMap with both sides' repeats taken in the same regime: a ratio of medians
    // from different regimes compares the hypervisor's placements, not the modes.
    private static void AppendByRegime(StringBuilder sb, HarnessRun run)
    {
        var rows = new List<string>();
        foreach (var point in run.Points.GroupBy(r => r.Point))
        {
            var cells = new List<string>();
            foreach (string regime in new[] { "near", "far" })
            {
                var med = point.Where(r => r.Mode == Modes.Mediated && Regime(r) == regime && r.Ok).ToList();
                var dm = point.Where(r => r.Mode == Modes.Baseline && Regime(r) == regime && r.Ok).ToList();
                var (a, b) = (Median(med), Median(dm));
                cells.Add(a is null ? "| – | – | –" : b is null
                    ? $"| {F(a.Mpps)} ({med.Count}) | – | –"
                    : $"| {F(a.Mpps)} ({med.Count}) | {F(b.Mpps)} ({dm.Count}) | {F(a.Mpps / b.Mpps, "0.000")}");
            }
            if (point.Any(r => r.Mode == Modes.Baseline && r.Ok))
            {
                rows.Add($"| {point.Key} {string.Join(' ', cells)} |");
            }
        }
        if (rows.Count == 0)
        {
            return;
        }
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"## Mediated / DirectMap by regime (near: cache-line round trip < {NearRoundTripNs:0} ns; far: at or above)");
        sb.AppendLine();
        sb.AppendLine("Medians of the repeats taken in each regime (how many in parentheses).");
        sb.AppendLine();
        sb.AppendLine("| point | near: Mediated Mpps | near: DirectMap Mpps | near: ratio | far: Mediated Mpps | far: DirectMap Mpps | far: ratio |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string row in rows)
        {
            sb.AppendLine(row);
        }
    }

    private static string Ns(double? v) => v is { } ns ? ns.ToString("0", Inv) + " ns" : "not measured";

    private static string F(double v, string format = "0.00") => double.IsFinite(v) ? v.ToString(format, Inv) : "–";

    public static string Summary(HarnessRun run, List<string> plots)
    {
        var m = run.Machine;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Throughput harness: {run.Settings.Profile} profile");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- started {run.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {run.WallSeconds:0} s; commit `{run.GitCommit}`; command `{run.Command.Trim()}`");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- machine: {m.Cores} cores, {m.CpuModel} at {m.CpuMHz:0} MHz (cycles = ns × {m.CpuMHz / 1000:0.###}, nominal MHz from /proc/cpuinfo), kernel {m.Kernel}, {m.Runtime}, 1-min load at start {m.LoadAverage1m:0.00}; CPU 0 ↔ CPU 1 cache-line round trip {Ns(m.LineRoundTripNs)} at start, {Ns(run.LineRoundTripNsAtEnd)} at end (every mediated packet pays such transfers; where the hypervisor places the two vCPUs moved it between ~45 and ~400 ns on this VM)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- method: real processes (`mediator broker`, `pktgen`, `sink`); device stepped inline by the broker's data-path thread; {(run.Settings.Pin ? "pinned: broker on CPU 0, every client on CPU 1" : "not pinned (the scheduler places every thread)")}; warm-up {run.Settings.Warmup} s, window {run.Settings.Measure} s, {run.Settings.Repeats} repeat(s), modes interleaved per point; medians over repeats");
        sb.AppendLine("- rates from the broker's counters over the window (TxSent, RxDelivered); CPU from /proc/PID/stat utime+stime of every process (10 ms ticks); signals = eventfd writes (client kicks + broker notifications) per packet; vol. switches = voluntary context switches of all threads of all processes (blocking syscalls that slept)");
        sb.AppendLine();
        sb.AppendLine("| point | mode | Mpps | Gbit/s | broker ns/pkt (cycles) | broker cores | client ns/pkt | signals/pkt | vol. sw/pkt | drops Mpps | fairness | p50/p99/p99.9 µs | line RTT ns | Mediated/DirectMap |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (point, first, byMode) in ByPoint(run))
        {
            byMode.TryGetValue(Modes.Baseline, out var baseline);
            foreach (var (mode, r) in byMode)
            {
                if (r is null)
                {
                    string status = run.Points.First(x => x.Point == point && x.Mode == mode).Status;
                    sb.AppendLine(CultureInfo.InvariantCulture, $"| {point} | {mode} | {Escape(status)} ||||||||||||");
                    continue;
                }
                string ratio = mode != Modes.Mediated ? "" : baseline is null ? "n/a (DirectMap not available)" : F(r.Mpps / baseline.Mpps, "0.000");
                string latency = r.LatencySamples > 0 ? $"{F(r.P50Us, "0.0")} / {F(r.P99Us, "0.0")} / {F(r.P999Us, "0.0")}" : "";
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {point} | {mode} | {F(r.Mpps)} | {F(r.Gbps)} | {F(r.BrokerNsPerPacket, "0")} ({F(r.BrokerCyclesPerPacket, "0")}) | {F(r.BrokerCores)} | {F(r.ClientNsPerPacket, "0")} | {F(r.SignalsPerPacket, "0.0000")} | {F(r.VoluntarySwitchesPerPacket, "0.0000")} | {F(r.DropMpps)} | {(r.ClientMpps.Length > 1 ? F(r.Fairness, "0.000") : "")} | {latency} | {(r.LineRoundTripNs is { } rtt ? F(rtt, "0") : "")} | {ratio} |");
            }
        }
        AppendByRegime(sb, run);
        sb.AppendLine();
        sb.AppendLine("## Targets (issue 6 / DESIGN.md §6), from this run");
        sb.AppendLine();
        foreach (string line in Targets(run))
        {
            sb.AppendLine("- " + line);
        }
        if (plots.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Plots");
            sb.AppendLine();
            foreach (string p in plots)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"![{p}]({p})");
            }
        }
        var failed = run.Points.Where(r => r.Status.StartsWith("failed", StringComparison.Ordinal)).ToList();
        if (failed.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Failures");
            foreach (var r in failed)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {r.Point} {r.Mode} r{r.Repeat}: {Escape(r.Status)}");
            }
        }
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    private static PointResult? Find(HarnessRun run, Func<PointResult, bool> where, string mode = Modes.Mediated) =>
        Median(run.Points.Where(r => r.Mode == mode && where(r)));

    /// <summary>One line per target, with the figure this run measured or why it has none.</summary>
    public static IEnumerable<string> Targets(HarnessRun run)
    {
        foreach (long rate in new[] { Plan.TenGbE, Plan.TwentyFiveGbE })
        {
            foreach (string traffic in new[] { "TxOnly", "Pairs" })
            {
                Func<PointResult, bool> paced = x => x.LineRateBitsPerSecond == rate && x.Traffic == traffic && x.FrameSize == 64 && x.Batch == 64 && x.Rearm == "Parallel" && x.Clients == 1 && x.Wake == "Poll";
                var r = Find(run, paced);
                var d = Find(run, paced, Modes.DirectMap);
                string NoDirectMap = r is not null && d is { Ok: true } && d.Mpps > 0
                    ? $"DirectMap {F(d.Mpps)} Mpps, ratio Mediated/DirectMap {F(r!.Mpps / d.Mpps, "0.00")} (target ≥ 0.99)"
                    : "no DirectMap point, so no ratio";
                string name = $"{PointSpec.PacingName(rate)}, {(traffic == "Pairs" ? "loopback pairs" : "towards the device")}";
                if (r is null)
                {
                    yield return $"1. line-rate parity at {name}: not measured in this profile";
                    continue;
                }
                yield return $"1. line-rate parity at {name} (64 B, batch {r.Batch}): Mediated {F(r.Mpps)} Mpps of {F(r.LineRateMpps)} line rate ({F(100 * r.Mpps / r.LineRateMpps, "0.0")} %); broker {F(r.BrokerNsPerPacket, "0")} ns = {F(r.BrokerCyclesPerPacket, "0")} cycles per packet, {F(r.BrokerCores)} cores; {NoDirectMap}";
            }
        }
        var tx = run.Points.Where(x => x.Mode == Modes.Mediated && x.Ok && x.Traffic == "TxOnly" && x.Clients == 1 && x.LineRateBitsPerSecond == 0 && x.Wake == "Poll")
            .GroupBy(x => x.Point).Select(g => Median(g)!).OrderByDescending(x => x.Mpps).FirstOrDefault();
        yield return tx is null
            ? "2. mediation capacity: no unpaced towards-device point in this profile"
            : $"2. mediation capacity, whole broker process (validate+translate+post+reap **and the device model stepped inline** on the same thread, null wire): {F(tx.Mpps)} Mpps at batch {tx.Batch}, {F(tx.BrokerCores)} broker cores, {F(tx.BrokerNsPerPacket, "0")} ns/pkt (target ≥ 30 Mpps per broker core; ixy.cs 27 Mpps/core). The device-free figure is the micro-benchmark TxValidatePostReap (docs/performance.md)";
        var poll = Find(run, x => x.Rearm == "Parallel" && x.Traffic == "Pairs" && x.Wake == "Poll" && x.Batch == 64 && x.FrameSize == 64 && x.LineRateBitsPerSecond == 0 && x.Clients == 1);
        var ev = Find(run, x => x.Rearm == "Parallel" && x.Traffic == "Pairs" && x.Wake == "Eventfd" && x.Batch == 64 && x.FrameSize == 64 && x.Clients == 1);
        yield return $"3. notification: busy-poll both sides (batch 64): {(poll is null ? "–" : F(poll.SignalsPerPacket, "0.00000"))} eventfd signals/pkt, {(poll is null ? "–" : F(poll.VoluntarySwitchesPerPacket, "0.00000"))} voluntary switches/pkt (target 0); eventfd wake-ups (batch 64): {(ev is null ? "–" : F(ev.SignalsPerBatch, "0.00"))} signals per batch of 64, {(ev is null ? "–" : F(ev.SignalsPerPacket, "0.0000"))} per packet (target ≤ 1 per batch per side)";
        var inlinePoints = run.Points.Where(x => x.Mode == Modes.Mediated && x.Rearm == "Inline").Select(x => x.Point).Distinct().ToList();
        if (inlinePoints.Count == 0)
        {
            yield return "4. parallel vs inline re-arm: not in this profile";
        }
        foreach (string name in inlinePoints)
        {
            var inl = Find(run, x => x.Point == name);
            // The same point with the parallel worker: every field but Rearm equal.
            var par = inl is null ? null : Find(run, x => x.Rearm == "Parallel" && x.Traffic == inl.Traffic && x.Batch == inl.Batch && x.FrameSize == inl.FrameSize
                && x.Clients == inl.Clients && x.LineRateBitsPerSecond == inl.LineRateBitsPerSecond && x.Wake == inl.Wake);
            string Side(PointResult r) => $"{F(r.Mpps)} Mpps, broker {F(r.BrokerNsPerPacket, "0")} ns/pkt (data-path thread {F(r.DataPathNsPerPacket, "0")}, re-arm thread {F(r.RearmThreadNsPerPacket, "0")}), drops {F(r.DropMpps)} Mpps";
            yield return inl is null
                ? $"4. parallel vs inline re-arm ({name}): {run.Points.First(x => x.Point == name && x.Mode == Modes.Mediated).Status}"
                : par is null
                    ? $"4. inline re-arm ({name}): {Side(inl)}; no parallel counterpart in this run"
                    : $"4. parallel vs inline re-arm ({name.Replace(" inline", "", StringComparison.Ordinal)}): parallel {Side(par)}; inline {Side(inl)}; parallel/inline pps {F(par.Mpps / inl.Mpps, "0.00")} (target ≥ 1, with less data-path CPU per packet)";
        }
        var clientGroups = run.Points.Where(x => x.Group.StartsWith("clients", StringComparison.Ordinal)).Select(x => x.Group).Distinct().ToList();
        if (clientGroups.Count == 0)
        {
            yield return "5. 1 → N clients: not measured in this profile";
        }
        foreach (string group in clientGroups)
        {
            var c1 = Find(run, x => x.Group == group && x.Clients == 1)
                ?? (group == "clients" ? Find(run, x => x.Traffic == "TxOnly" && x.Clients == 1 && x.Batch == 64 && x.Wake == "Poll" && x.LineRateBitsPerSecond == 0) : null);
            var many = run.Points.Where(x => x.Mode == Modes.Mediated && x.Ok && x.Group == group && x.Clients > 1).GroupBy(x => x.Clients).Select(g => Median(g)!).OrderBy(x => x.Clients).ToList();
            var any = run.Points.First(x => x.Group == group);
            string what = $"{(any.Traffic == "Pairs" ? "pairs through the loopback" : "towards the device")}, {any.Wake.ToLowerInvariant()}, {any.Rearm.ToLowerInvariant()} re-arm, batch {any.Batch}";
            yield return c1 is null || many.Count == 0
                ? $"5. 1 → N clients ({what}): incomplete in this run"
                : $"5. 1 → N clients ({what}): 1 client " + F(c1.Mpps) + " Mpps; " + string.Join("; ", many.Select(x => $"{x.Clients} clients {F(x.Mpps)} Mpps ({F(100 * (x.Mpps / c1.Mpps - 1), "+0;-0")} %), Jain {F(x.Fairness, "0.000")}")) + " (target ≤ 10 % drop, Jain ≥ 0.99)";
        }
        var towards = Find(run, x => x.Rearm == "Parallel" && x.Traffic == "TxOnly" && x.Clients == 1 && x.Batch == 64 && x.FrameSize == 64 && x.LineRateBitsPerSecond == 0 && x.Wake == "Poll");
        var through = Find(run, x => x.Rearm == "Parallel" && x.Traffic == "Pairs" && x.Clients == 1 && x.Batch == 64 && x.FrameSize == 64 && x.LineRateBitsPerSecond == 0 && x.Wake == "Poll");
        var from = Find(run, x => x.Traffic == "RxOnly" && x.Clients == 1 && x.Batch == 64 && x.FrameSize == 64 && x.Wake == "Poll");
        var fromDirect = Find(run, x => x.Traffic == "RxOnly" && x.Clients == 1 && x.Batch == 64 && x.FrameSize == 64 && x.Wake == "Poll", Modes.DirectMap);
        string fromRatio = from is not null && fromDirect is { Ok: true, Mpps: > 0 } ? $" (DirectMap {F(fromDirect.Mpps)} Mpps, ratio {F(from.Mpps / fromDirect.Mpps)})" : "";
        yield return $"6. against DPDK vhost-user on these VMs ({VhostTowardsDeviceMpps} Mpps towards / {VhostFromDeviceMpps} Mpps from the trusted side; `bench -- vhost` measures both in one run): towards the device {(towards is null ? "–" : F(towards.Mpps))} Mpps; from the device (generator wire → counting sink) {(from is null ? "–" : F(from.Mpps))} Mpps{fromRatio}; through the loopback (client → broker → device → broker → client, both directions on one broker core) {(through is null ? "–" : F(through.Mpps))} Mpps";
        var latencies = new[] { "Parallel", "Inline" }.Select(r => Find(run, x => x.Traffic == "Latency" && x.Rearm == r)).Where(x => x is not null).ToList();
        if (latencies.Count == 0)
        {
            yield return "7. latency: not measured";
        }
        foreach (var lat in latencies)
        {
            yield return $"7. ping-pong latency through the device loopback, poll mode, {lat!.Rearm.ToLowerInvariant()} re-arm ({lat.LatencySamples:N0} round trips, {lat.FrameSize} B, median of repeats): p50 {F(lat.P50Us, "0.0")} µs, p99 {F(lat.P99Us, "0.0")} µs, p99.9 {F(lat.P999Us, "0.0")} µs (ixy.cs: median 3.96 µs, p99.99 32.5 µs)";
        }
    }
}
