using System.CommandLine;
using System.Diagnostics;
using Mediator.Cli.Traffic;
using Mediator.Client;
using Mediator.Control;
using Spectre.Console;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator demo</c>: starts a broker and two client processes (a generator and a verifying sink)
/// that exchange frames through the device model for a few seconds, shows live progress from the
/// broker's counters, and ends with a summary. Exit status 0 only when every received frame verified,
/// none was reordered, and the DMA audit saw no violation.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds of traffic", DefaultValueFactory = _ => 5 };
        var size = CommonOptions.FrameSize();
        var batch = CommonOptions.Batch();
        var rate = new Option<double>("--rate") { Description = "Frames per second of the generator (0: as fast as possible)", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Start a broker and two clients that exchange verified frames through the device") { duration, size, batch, rate };
        command.SetAction((r, token) => Task.FromResult(Run(r.GetValue(duration), r.GetValue(size), r.GetValue(batch), r.GetValue(rate), token)));
        return command;
    }

    private static int Run(double seconds, int size, int batch, double rate, CancellationToken token)
    {
        string socket = Path.Combine(Path.GetTempPath(), $"mediator-demo-{Environment.ProcessId}.sock");
        AnsiConsole.MarkupLine($"[bold]Mediator demo[/]: broker + pktgen + sink, {size}-byte frames, batch {batch}, {seconds:0.#} s");
        using var broker = ChildProcess.StartSelf("broker", "--socket", socket, "--Logging:LogLevel:Default=Warning");
        using var stats = ConnectWithRetry(socket, broker, TimeSpan.FromSeconds(20));
        if (stats is null)
        {
            AnsiConsole.MarkupLine("[red]the broker did not come up[/]");
            foreach (var line in broker.ErrorLines)
            {
                Console.Error.WriteLine(line);
            }
            return 1;
        }
        AnsiConsole.MarkupLine($"broker pid {broker.Pid} listening on {socket}");
        using var sink = ChildProcess.StartSelf("sink", "--socket", socket, "--idle-exit", "1", "--duration", (seconds + 30).ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? sinkMac = sink.WaitForLine("READY ", TimeSpan.FromSeconds(20));
        if (sinkMac is null)
        {
            AnsiConsole.MarkupLine("[red]the sink did not start[/]");
            return 1;
        }
        using var gen = ChildProcess.StartSelf("pktgen", "--socket", socket, "--dst", sinkMac,
            "--duration", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--size", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rate", rate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? genMac = gen.WaitForLine("READY ", TimeSpan.FromSeconds(20));
        AnsiConsole.MarkupLine($"sink pid {sink.Pid} on MAC {sinkMac}; pktgen pid {gen.Pid} on MAC {genMac}");

        QueueStatistics last = stats.GetStatistics();
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("traffic", maxValue: seconds);
                var watch = Stopwatch.StartNew();
                ulong previousRx = 0;
                var previousTime = TimeSpan.Zero;
                while (!gen.HasExited && !token.IsCancellationRequested)
                {
                    gen.WaitForExit(TimeSpan.FromMilliseconds(250));
                    last = stats.GetStatistics();
                    var now = watch.Elapsed;
                    double mpps = (last[QueueCounter.RxDelivered] - previousRx) / Math.Max(1e-9, (now - previousTime).TotalSeconds) / 1e6;
                    previousRx = last[QueueCounter.RxDelivered];
                    previousTime = now;
                    task.Value = Math.Min(seconds, now.TotalSeconds);
                    task.Description = $"sent {last[QueueCounter.TxSent]:N0}  delivered {last[QueueCounter.RxDelivered]:N0}  {mpps:0.00} Mpps";
                }
                task.Value = seconds;
            });

        var genReport = ReadReport(gen, "pktgen");
        sink.WaitForExit(TimeSpan.FromSeconds(15));
        var sinkReport = ReadReport(sink, "sink");
        last = stats.GetStatistics();
        stats.Dispose();
        broker.Terminate(TimeSpan.FromSeconds(15));

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]summary[/]");
        table.AddColumn("what");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("frames sent (pktgen)", $"{genReport?.Sent:N0}");
        table.AddRow("completions: sent / refused", $"{genReport?.Completed:N0} / {genReport?.Refused:N0}");
        table.AddRow("frames received (sink)", $"{sinkReport?.Received:N0}");
        table.AddRow("verified intact", $"{sinkReport?.Verified:N0}");
        table.AddRow("corrupt / out of order", $"{sinkReport?.Corrupt:N0} / {sinkReport?.OutOfOrder:N0}");
        table.AddRow("lost (sequence gaps)", $"{sinkReport?.Gaps:N0}");
        table.AddRow("device drops, no RX buffer", $"{last[QueueCounter.RxNoBuffer]:N0}");
        table.AddRow("pktgen rate", $"{genReport?.Mpps:0.000} Mpps over {genReport?.Seconds:0.00} s");
        table.AddRow("sink rate", $"{sinkReport?.Mpps:0.000} Mpps");
        table.AddRow("broker refusals (TX / fill)", $"{last[QueueCounter.TxRefused]:N0} / {last[QueueCounter.FillRefused]:N0}");
        table.AddRow("broker wake-ups / notifications", $"{last[QueueCounter.Wakeups]:N0} / {last[QueueCounter.Notifications]:N0}");
        table.AddRow("DMA reads / writes", $"{last[QueueCounter.DmaReads]:N0} / {last[QueueCounter.DmaWrites]:N0}");
        table.AddRow("DMA faults / violations", $"{last[QueueCounter.DmaFaults]:N0} / {last[QueueCounter.DmaViolations]:N0}");
        table.AddRow("broker canary intact", last[QueueCounter.CanaryIntact] == 1 ? "yes" : "[red]NO[/]");
        AnsiConsole.Write(table);

        bool ok = genReport is not null && sinkReport is not null && sinkReport.Received > 0
            && sinkReport.Verified == sinkReport.Received && sinkReport.OutOfOrder == 0
            && last[QueueCounter.DmaViolations] == 0 && last[QueueCounter.CanaryIntact] == 1;
        AnsiConsole.MarkupLine(ok ? "[green]OK[/]: every received frame verified" : "[red]FAILED[/]");
        return ok ? 0 : 1;
    }

    private static RunReport? ReadReport(ChildProcess child, string role)
    {
        string? line = child.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(20));
        if (line is null)
        {
            AnsiConsole.MarkupLine($"[red]{role} printed no report[/]");
            foreach (var e in child.ErrorLines)
            {
                Console.Error.WriteLine($"{role}: {e}");
            }
            return null;
        }
        return RunReport.TryParse(RunReport.Prefix + line);
    }

    /// <summary>Connects as a statistics-only client, retrying until the broker listens.</summary>
    public static MediatorClient? ConnectWithRetry(string socket, ChildProcess broker, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end && !broker.HasExited)
        {
            if (File.Exists(socket))
            {
                try
                {
                    return MediatorClient.Connect(socket, "demo");
                }
                catch (Exception e) when (e is IOException or MediatorException or TimeoutException)
                {
                }
            }
            broker.WaitForExit(TimeSpan.FromMilliseconds(100));
        }
        return null;
    }
}
