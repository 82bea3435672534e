using System.Globalization;
using ScottPlot;

namespace Mediator.Bench.Harness;

/// <summary>PNG plots of a run (ScottPlot): throughput vs batch per mode, CPU per packet, clients, latency CDF.</summary>
public static class Plots
{
    private const int Width = 900;
    private const int Height = 540;

    public static List<string> WriteAll(HarnessRun run, string dir)
    {
        var written = new List<string>();
        var ok = run.Points.Where(r => r.Ok).ToList();
        string subtitle = $"{run.Machine.Cores} cores @ {run.Machine.CpuMHz:0} MHz, {run.Settings.Profile} profile, {run.StartedUtc:yyyy-MM-dd HH:mm} UTC";

        // 1. Throughput vs batch, one line per (mode, traffic, frame size), unpaced, one client, poll.
        var sweep = ok.Where(r => r.LineRateBitsPerSecond == 0 && r.Clients == 1 && r.Wake == "Poll" && r.Traffic != "Latency" && r.Rearm == "Parallel").ToList();
        if (sweep.Select(r => r.Batch).Distinct().Count() > 1)
        {
            var plt = new Plot();
            foreach (var series in sweep.GroupBy(r => (r.Mode, r.Traffic, r.FrameSize)))
            {
                var pts = Medians(series).Where(r => true).OrderBy(r => r.Batch).ToList();
                if (pts.Count < 1)
                {
                    continue;
                }
                var s = plt.Add.Scatter(pts.Select(r => Math.Log2(r.Batch)).ToArray(), pts.Select(r => r.Mpps).ToArray());
                s.LegendText = $"{series.Key.Mode} {Label(series.Key.Traffic)} {series.Key.FrameSize} B";
                s.MarkerSize = 7;
            }
            var vhost = plt.Add.HorizontalLine(Report.VhostTowardsDeviceMpps);
            vhost.LinePattern = LinePattern.Dashed;
            vhost.LegendText = $"DPDK vhost-user towards the back-end ({Report.VhostTowardsDeviceMpps} Mpps)";
            BatchAxis(plt, sweep);
            plt.YLabel("Mpps (median over repeats)");
            plt.Title("Throughput vs batch size, unpaced, 1 client, busy-poll\n" + subtitle);
            plt.Axes.SetLimitsY(0, Math.Max(Report.VhostTowardsDeviceMpps, sweep.Max(r => r.Mpps)) * 1.15);
            plt.ShowLegend(Alignment.UpperLeft);
            written.Add(Save(plt, dir, "throughput-vs-batch.png"));

            // 2. CPU per packet vs batch: broker and client, per mode and traffic.
            var cpu = new Plot();
            foreach (var series in sweep.Where(r => r.FrameSize == 64).GroupBy(r => (r.Mode, r.Traffic)))
            {
                var pts = Medians(series).OrderBy(r => r.Batch).ToList();
                var b = cpu.Add.Scatter(pts.Select(r => Math.Log2(r.Batch)).ToArray(), pts.Select(r => r.BrokerNsPerPacket).ToArray());
                b.LegendText = $"broker, {series.Key.Mode} {Label(series.Key.Traffic)}";
                b.MarkerSize = 7;
                var c = cpu.Add.Scatter(pts.Select(r => Math.Log2(r.Batch)).ToArray(), pts.Select(r => r.ClientNsPerPacket).ToArray());
                c.LegendText = $"clients, {series.Key.Mode} {Label(series.Key.Traffic)}";
                c.LinePattern = LinePattern.Dashed;
                c.MarkerSize = 7;
            }
            BatchAxis(cpu, sweep);
            cpu.YLabel("CPU ns per packet (user+system, all threads)");
            cpu.Title("CPU per packet vs batch size, 64 B, unpaced, busy-poll\n" + subtitle);
            cpu.Axes.SetLimitsY(0, sweep.Where(r => r.FrameSize == 64).Select(r => Math.Max(r.BrokerNsPerPacket, r.ClientNsPerPacket)).DefaultIfEmpty(1).Max() * 1.1);
            cpu.ShowLegend(Alignment.UpperRight);
            written.Add(Save(cpu, dir, "cpu-per-packet.png"));
        }

        // 3. Paced: delivered vs line rate, with broker CPU.
        var paced = ok.Where(r => r.LineRateBitsPerSecond > 0).ToList();
        if (paced.Count > 0)
        {
            var plt = new Plot();
            var groups = Medians(paced).OrderBy(r => r.LineRateBitsPerSecond).ThenBy(r => r.FrameSize).ThenBy(r => r.Batch).ThenBy(r => r.Mode).ToList();
            var bars = new List<Bar>();
            var ticks = new List<Tick>();
            for (int i = 0; i < groups.Count; i++)
            {
                var r = groups[i];
                bars.Add(new Bar { Position = i, Value = r.LineRateMpps, FillColor = Colors.LightGray, Label = "" });
                bars.Add(new Bar { Position = i, Value = r.Mpps, FillColor = r.Mode == Modes.Mediated ? Colors.SteelBlue : Colors.DarkOrange, Size = 0.5 });
                ticks.Add(new Tick(i, $"{r.Pacing} {r.FrameSize}B b{r.Batch}\n{r.Mode}\n{r.BrokerNsPerPacket:0} ns/pkt broker", true));
            }
            plt.Add.Bars(bars);
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
            plt.YLabel("Mpps (grey: line rate; colour: delivered)");
            plt.Title("Device paced at line rate\n" + subtitle);
            plt.Axes.Margins(bottom: 0);
            written.Add(Save(plt, dir, "paced.png"));
        }

        // 4. Clients: aggregate throughput and fairness.
        var clients = ok.Where(r => r.Group.StartsWith("clients", StringComparison.Ordinal) || (r.Traffic == "TxOnly" && r.Clients == 1 && r.Batch == 64 && r.LineRateBitsPerSecond == 0 && r.Wake == "Poll")).ToList();
        if (clients.Select(r => r.Clients).Distinct().Count() > 1)
        {
            var plt = new Plot();
            foreach (var series in clients.GroupBy(r => (r.Mode, r.Traffic)))
            {
                var pts = Medians(series).OrderBy(r => r.Clients).ToList();
                var s = plt.Add.Scatter(pts.Select(r => Math.Log2(r.Clients)).ToArray(), pts.Select(r => r.Mpps).ToArray());
                s.LegendText = $"{series.Key.Mode} {Label(series.Key.Traffic)}";
                s.MarkerSize = 7;
            }
            var counts = clients.Select(r => r.Clients).Distinct().OrderBy(c => c).ToArray();
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(counts.Select(c => Math.Log2(c)).ToArray(), counts.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray());
            plt.XLabel("clients");
            plt.YLabel("aggregate Mpps");
            plt.Axes.SetLimitsY(0, clients.Max(r => r.Mpps) * 1.15);
            plt.Title("1 → N clients, batch 64, 64 B\n" + subtitle);
            plt.ShowLegend(Alignment.LowerLeft);
            written.Add(Save(plt, dir, "clients.png"));
        }

        // 5. Latency CDF from the ping-pong samples.
        var latency = run.Points.Where(r => r.Ok && r.LatencySamplesFile is not null).ToList();
        if (latency.Count > 0)
        {
            var plt = new Plot();
            foreach (var r in latency)
            {
                string path = Path.Combine(dir, r.LatencySamplesFile!);
                if (!File.Exists(path))
                {
                    continue;
                }
                double[] us = [.. File.ReadLines(path).Select(l => double.Parse(l, CultureInfo.InvariantCulture) / 1000)];
                if (us.Length == 0)
                {
                    continue;
                }
                Array.Sort(us);
                int step = Math.Max(1, us.Length / 2000);
                var xs = new List<double>();
                var ys = new List<double>();
                for (int i = 0; i < us.Length; i += step)
                {
                    xs.Add(Math.Log10(us[i]));
                    ys.Add((i + 1.0) / us.Length);
                }
                xs.Add(Math.Log10(us[^1]));
                ys.Add(1);
                var s = plt.Add.Scatter(xs.ToArray(), ys.ToArray());
                s.LegendText = $"{r.Mode} r{r.Repeat + 1}: p50 {r.P50Us:0.0} µs, p99 {r.P99Us:0.0}, p99.9 {r.P999Us:0.0}";
                s.MarkerSize = 0;
            }
            double[] decades = [0, 1, 2, 3, 4];
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(decades, ["1 µs", "10 µs", "100 µs", "1 ms", "10 ms"]);
            plt.XLabel("round trip (log scale)");
            plt.YLabel("fraction of round trips ≤ x");
            plt.Title("Ping-pong latency CDF through the device loopback, busy-poll\n" + subtitle);
            plt.Axes.SetLimitsY(0, 1.02);
            plt.ShowLegend(Alignment.LowerRight);
            written.Add(Save(plt, dir, "latency-cdf.png"));
        }
        return written;
    }

    private static string Label(string traffic) => traffic switch
    {
        "Pairs" => "pktgen→sink (loopback)",
        "TxOnly" => "towards the device",
        _ => traffic,
    };

    private static IEnumerable<PointResult> Medians(IEnumerable<PointResult> results) =>
        results.GroupBy(r => (r.Point, r.Mode)).Select(g => Report.Median(g)).Where(r => r is not null)!;

    private static void BatchAxis(Plot plt, List<PointResult> points)
    {
        var batches = points.Select(r => r.Batch).Distinct().OrderBy(b => b).ToArray();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(batches.Select(b => Math.Log2(b)).ToArray(), batches.Select(b => b.ToString(CultureInfo.InvariantCulture)).ToArray());
        plt.XLabel("batch size (requests per ring publication)");
    }

    private static string Save(Plot plt, string dir, string name)
    {
        plt.SavePng(Path.Combine(dir, name), Width, Height);
        return name;
    }
}
