using System.Diagnostics;
using System.Globalization;
using Mediator.Cli;
using Mediator.Cli.Traffic;
using Mediator.Control;

namespace Mediator.Bench.Harness;

/// <summary>
/// Runs one point in one mode against a running broker: starts the client processes, waits until all
/// are ready, lets them warm up, then samples the broker's counters and every process's CPU and
/// context switches at the start and end of the measurement window, stops the clients (SIGTERM) and
/// reads their REPORT lines.
/// </summary>
public sealed class PointRunner(HarnessSettings settings, MachineInfo machine)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    // The broker's thread names as /proc shows them (cut to 15 bytes).
    private const string DataPathThread = "mediator-datapa";
    private const string RearmThread = "mediator-rx-rea";

    public PointResult Run(PointSpec p, string mode, int repeat, BrokerProcess broker, string outDir)
    {
        var clients = new List<(ChildProcess Process, string Role)>();
        string? samplesFile = null;
        try
        {
            string[] modeArgs = Modes.ClientArgs(mode) ?? [];
            string wait = p.Wake.ToString().ToLowerInvariant(); // poll, eventfd, hybrid
            string forever = "3600";
            // Generators run until the window has ended (SIGTERM then; a generator with a fixed duration
            // could stop inside the window when 64 clients take long to start); sinks exit once traffic
            // has stopped for a second. Per-client counts come from MARK lines read at both ends of the
            // window (SIGUSR1), so the fairness index compares clients over the same window.
            double genSeconds = settings.Warmup + settings.Measure + 1 + 0.3 * p.Clients;
            // The direct modes' clients (cli/Commands/DirectTraffic.cs) print no MARK and keep their fixed duration.
            bool marks = mode == Modes.Mediated;
            string genDuration = marks ? forever : genSeconds.ToString("0.###", Inv);
            if (p.Traffic == Traffic.Latency)
            {
                samplesFile = Path.Combine(outDir, $"latency-{mode}-r{repeat}.txt");
                double seconds = settings.Warmup + settings.Measure + 1; // still running when the window's last CPU sample is read
                clients.Add((Start(["pktgen", "--socket", broker.Socket, "--latency", "--dst", "self", "--size", p.FrameSize.ToString(Inv),
                    "--duration", seconds.ToString(Inv), "--samples", samplesFile, .. modeArgs]), "latency"));
            }
            else if (p.Traffic == Traffic.Pairs)
            {
                var sinks = new List<ChildProcess>();
                for (int i = 0; i < p.Clients; i++)
                {
                    var sink = Start(["sink", "--socket", broker.Socket, "--batch", p.Batch.ToString(Inv), "--wait", wait, "--duration", forever, "--idle-exit", "1", .. modeArgs]);
                    sinks.Add(sink);
                    clients.Add((sink, "sink"));
                }
                for (int i = 0; i < p.Clients; i++)
                {
                    string mac = sinks[i].WaitForLine("READY ", TimeSpan.FromSeconds(120)) ?? throw Failed(sinks[i], "sink did not start");
                    clients.Add((Start(["pktgen", "--socket", broker.Socket, "--dst", mac, "--batch", p.Batch.ToString(Inv), "--size", p.FrameSize.ToString(Inv),
                        "--wait", wait, "--duration", genDuration, "--generator", (i + 1).ToString(Inv), .. modeArgs]), "pktgen"));
                }
            }
            else if (p.Traffic == Traffic.RxOnly)
            {
                for (int i = 0; i < p.Clients; i++)
                {
                    // The generator never stops: the sinks are stopped (SIGTERM) when the window is over.
                    clients.Add((Start(["sink", "--socket", broker.Socket, "--batch", p.Batch.ToString(Inv), "--wait", wait, "--count-only",
                        "--duration", genDuration, .. modeArgs]), "sink"));
                }
            }
            else
            {
                for (int i = 0; i < p.Clients; i++)
                {
                    clients.Add((Start(["pktgen", "--socket", broker.Socket, "--dst", "02:00:00:00:ff:ff", "--batch", p.Batch.ToString(Inv),
                        "--size", p.FrameSize.ToString(Inv), "--wait", wait, "--duration", genDuration, "--generator", (i + 1).ToString(Inv), .. modeArgs]), "pktgen"));
                }
            }
            foreach (var (process, role) in clients)
            {
                if ((role != "sink" || p.Traffic == Traffic.RxOnly) && process.WaitForLine("READY ", TimeSpan.FromSeconds(120)) is null)
                {
                    throw Failed(process, $"{role} did not start");
                }
            }

            if (settings.Pin)
            {
                foreach (var (process, _) in clients)
                {
                    Affinity.Pin(process.Pid, 1);
                }
            }
            Thread.Sleep(TimeSpan.FromSeconds(settings.Warmup));
            string countedRole = p.Traffic is Traffic.Pairs or Traffic.RxOnly ? "sink" : "pktgen";
            var counted = clients.Where(c => c.Role == countedRole).Select(c => c.Process).ToList();
            var early = new Dictionary<int, string>(); // REPORT lines read while waiting for a MARK
            var m0 = marks ? Mark(counted, early) : null;
            var c0 = broker.Counters();
            var b0 = ProcSample.Read(broker.Process.Pid);
            double d0 = ProcSample.ThreadCpuSeconds(broker.Process.Pid, DataPathThread), r0 = ProcSample.ThreadCpuSeconds(broker.Process.Pid, RearmThread);
            var k0 = SumClients(clients);
            long t0 = Stopwatch.GetTimestamp();
            Thread.Sleep(TimeSpan.FromSeconds(settings.Measure));
            var c1 = broker.Counters();
            var b1 = ProcSample.Read(broker.Process.Pid);
            double d1 = ProcSample.ThreadCpuSeconds(broker.Process.Pid, DataPathThread), r1 = ProcSample.ThreadCpuSeconds(broker.Process.Pid, RearmThread);
            var k1 = SumClients(clients);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            var m1 = marks ? Mark(counted, early) : null;
            foreach (var (process, role) in clients)
            {
                if (marks && (role == "pktgen" || p.Traffic == Traffic.RxOnly) && !process.HasExited)
                {
                    _ = Tmds.Linux.LibC.kill(process.Pid, Tmds.Linux.LibC.SIGTERM); // the window is over
                }
            }
            double[]? windowRates = m0 is null || m1 is null ? null
                : [.. counted.Select(c => (m1[c.Pid].Count - m0[c.Pid].Count) / ((m1[c.Pid].Ns - m0[c.Pid].Ns) / 1e9) / 1e6)];

            var problems = new List<string>();
            foreach (int pid in early.Keys)
            {
                problems.Add($"client pid {pid} ended before the window did");
            }
            var reports = StopAndReport(clients, TimeSpan.FromSeconds(genSeconds + 30), problems, early);
            var result = Compute(p, mode, repeat, dt, c0, c1, b1 - b0, k1 - k0, reports, samplesFile, windowRates) is var r
                && r.Mpps > 0 ? r with { DataPathNsPerPacket = (d1 - d0) * 1e9 / (r.Mpps * 1e6 * dt), RearmThreadNsPerPacket = (r1 - r0) * 1e9 / (r.Mpps * 1e6 * dt) } : r;
            return problems.Count == 0 ? result : result with { Status = result.Status + "; " + string.Join("; ", problems).ReplaceLineEndings(" ") };
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
        {
            return Describe(p, mode, repeat) with { Status = "failed: " + e.Message.ReplaceLineEndings(" ") };
        }
        finally
        {
            foreach (var (process, _) in clients)
            {
                process.Dispose();
            }
        }
    }

    private static ChildProcess Start(string[] args) => ChildProcess.StartSelf(args);

    /// <summary>
    /// Asks every client for its frame count now (SIGUSR1; each prints "MARK count ns"); null if one
    /// did not answer within 5 s (the fairness index then falls back to the clients' whole-run rates).
    /// </summary>
    private static Dictionary<int, (long Count, long Ns)>? Mark(List<ChildProcess> processes, Dictionary<int, string> early)
    {
        const int SigUsr1 = 10;
        foreach (var process in processes)
        {
            _ = Tmds.Linux.LibC.kill(process.Pid, SigUsr1);
        }
        var marks = new Dictionary<int, (long, long)>();
        foreach (var process in processes)
        {
            // A client that already ended prints REPORT instead: keep it for StopAndReport.
            string? line = early.ContainsKey(process.Pid) ? null
                : process.WaitForLine(l => l.StartsWith("MARK ", StringComparison.Ordinal) || l.StartsWith(RunReport.Prefix, StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            if (line is not null && line.StartsWith(RunReport.Prefix, StringComparison.Ordinal))
            {
                early[process.Pid] = line[RunReport.Prefix.Length..];
                line = null;
            }
            string[] f = line?["MARK ".Length..].Split(' ') ?? [];
            if (f.Length != 2)
            {
                return null;
            }
            marks[process.Pid] = (long.Parse(f[0], Inv), long.Parse(f[1], Inv));
        }
        return marks;
    }

    private static InvalidOperationException Failed(ChildProcess process, string what) =>
        new($"{what}: {string.Join(" | ", process.ErrorLines.Take(5))}");

    private static ProcSample SumClients(List<(ChildProcess Process, string Role)> clients)
    {
        var sum = default(ProcSample);
        foreach (var (process, _) in clients)
        {
            sum += ProcSample.Read(process.Pid);
        }
        return sum;
    }

    /// <summary>Stops generators first (so sinks see their last frames), then sinks; collects REPORT lines.</summary>
    private static List<RunReport> StopAndReport(List<(ChildProcess Process, string Role)> clients, TimeSpan patience, List<string> problems, Dictionary<int, string> early)
    {
        var reports = new List<RunReport>();
        foreach (string role in new[] { "pktgen", "latency", "sink" })
        {
            var group = clients.Where(c => c.Role == role).ToList();
            var end = DateTime.UtcNow + patience;
            foreach (var (process, _) in group)
            {
                var left = end - DateTime.UtcNow;
                string? line = early.TryGetValue(process.Pid, out string? kept) ? kept
                    : process.WaitForLine(RunReport.Prefix, left > TimeSpan.FromSeconds(2) ? left : TimeSpan.FromSeconds(2));
                if (line is null && !process.HasExited)
                {
                    _ = Tmds.Linux.LibC.kill(process.Pid, Tmds.Linux.LibC.SIGTERM); // fallback
                    line = process.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(5));
                }
                if (line is not null && RunReport.TryParse(RunReport.Prefix + line) is { } report)
                {
                    reports.Add(report);
                }
                process.WaitForExit(TimeSpan.FromSeconds(10));
                if (line is null)
                {
                    problems.Add($"{role} pid {process.Pid} (exit {(process.HasExited ? process.ExitCode.ToString(Inv) : "none")}): {string.Join(" | ", process.ErrorLines.Take(3))}");
                }
            }
        }
        return reports;
    }

    public static PointResult Describe(PointSpec p, string mode, int repeat) => new()
    {
        Point = p.Name, Group = p.Group, Mode = mode, Repeat = repeat, Traffic = p.Traffic.ToString(), Batch = p.Batch,
        FrameSize = p.FrameSize, Clients = p.Clients, Pacing = PointSpec.PacingName(p.LineRate), LineRateBitsPerSecond = p.LineRate,
        LineRateMpps = p.LineRate == 0 ? 0 : PointSpec.LineRatePps(p.LineRate, p.FrameSize) / 1e6,
        Wake = p.Wake.ToString(), Rearm = p.Rearm.ToString(),
    };

    private PointResult Compute(PointSpec p, string mode, int repeat, double dt, ulong[] c0, ulong[] c1, ProcSample broker, ProcSample clients,
        List<RunReport> reports, string? samplesFile, double[]? windowRates)
    {
        double D(QueueCounter c) => c1[(int)c] - c0[(int)c];
        // Mediated: what the broker moved. The broker does not drive a DirectMap queue (nor a TxDirect
        // queue's TX), so those modes are counted at the device itself (GPTC/GPRC of the port).
        bool mediated = mode == Modes.Mediated;
        double tx = mediated ? D(QueueCounter.TxSent) : D(QueueCounter.DeviceTxFrames);
        double rx = mediated ? D(QueueCounter.RxDelivered) : D(QueueCounter.DeviceRxFrames);
        double packets = p.Traffic == Traffic.TxOnly ? tx : rx;
        double perPacket = packets > 0 ? 1 / packets : double.NaN;
        var pktgens = reports.Where(r => r.Role == "pktgen").ToList();
        var sinks = reports.Where(r => r.Role == "sink").ToList();
        var latency = reports.FirstOrDefault(r => r.Role == "latency");
        long sentWholeRun = reports.Sum(r => r.Sent);
        long kicks = reports.Sum(r => r.Kicks);
        double kicksPerPacket = sentWholeRun > 0 ? (double)kicks / sentWholeRun : 0;
        double signalsPerPacket = D(QueueCounter.Notifications) * perPacket + kicksPerPacket;
        // Per-client rates over the measurement window (MARK lines); else over each client's whole run.
        double[] rates = windowRates ?? p.Traffic switch
        {
            Traffic.Pairs or Traffic.RxOnly => [.. sinks.Select(r => r.Seconds > 0 ? r.Received / r.Seconds / 1e6 : 0)],
            Traffic.TxOnly => [.. pktgens.Select(r => r.Seconds > 0 ? r.Completed / r.Seconds / 1e6 : 0)],
            _ => [],
        };
        double brokerNs = broker.CpuSeconds * 1e9 * perPacket;
        string status = "ok";
        int expectedReports = p.Traffic == Traffic.Pairs ? 2 * p.Clients : p.Clients;
        if (reports.Count < expectedReports)
        {
            status = $"failed: {expectedReports - reports.Count} client(s) printed no report";
        }
        else if (packets == 0)
        {
            status = "failed: no packets in the measurement window";
        }
        return Describe(p, mode, repeat) with
        {
            Status = status,
            Seconds = dt,
            TxMpps = tx / dt / 1e6,
            RxMpps = rx / dt / 1e6,
            Mpps = packets / dt / 1e6,
            Gbps = packets / dt * p.FrameSize * 8 / 1e9,
            DropMpps = D(QueueCounter.RxNoBuffer) / dt / 1e6,
            BrokerNsPerPacket = brokerNs,
            BrokerCyclesPerPacket = brokerNs * machine.CpuMHz / 1000,
            BrokerCores = broker.CpuSeconds / dt,
            ClientNsPerPacket = clients.CpuSeconds * 1e9 * perPacket,
            ClientCores = clients.CpuSeconds / dt,
            SignalsPerPacket = signalsPerPacket,
            SignalsPerBatch = signalsPerPacket * p.Batch,
            BrokerWakeupsPerPacket = D(QueueCounter.Wakeups) * perPacket,
            VoluntarySwitchesPerPacket = (broker.Voluntary + clients.Voluntary) * perPacket,
            PreemptionsPerSecond = (broker.Involuntary + clients.Involuntary) / dt,
            Fairness = Jain(rates),
            ClientMpps = rates,
            P50Us = latency?.P50Us ?? 0,
            P99Us = latency?.P99Us ?? 0,
            P999Us = latency?.P999Us ?? 0,
            LatencySamples = latency?.Samples ?? 0,
            LatencySamplesFile = samplesFile is null ? null : Path.GetFileName(samplesFile),
            Corrupt = sinks.Sum(r => r.Corrupt + r.OutOfOrder),
            DmaViolations = (long)D(QueueCounter.DmaViolations),
        };
    }

    /// <summary>Jain's fairness index: (Σx)² / (n·Σx²); 1 when all equal, 1/n when one takes all.</summary>
    public static double Jain(IReadOnlyList<double> x)
    {
        if (x.Count == 0)
        {
            return double.NaN;
        }
        double sum = x.Sum(), squares = x.Sum(v => v * v);
        return squares == 0 ? double.NaN : sum * sum / (x.Count * squares);
    }
}
