using System.CommandLine;
using Mediator.Abi;
using Mediator.Cli.Traffic;
using Mediator.Client;
using Mediator.Client.Unsafe;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator sink</c>: receives frames through the broker, verifies each test frame's checksum and
/// that sequence numbers per generator only go up, and counts gaps. Prints READY with its MAC first
/// (so a generator can target it), and a REPORT line at the end.
/// </summary>
internal static class SinkCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var count = CommonOptions.Count();
        var duration = CommonOptions.Duration(0);
        var batch = CommonOptions.Batch();
        var wait = CommonOptions.Wait();
        var idle = new Option<double>("--idle-exit") { Description = "Exit after this many seconds without frames once some arrived (0: never)", DefaultValueFactory = _ => 0 };
        var mode = CommonOptions.Mode();
        var countOnly = new Option<bool>("--count-only")
        {
            Description = "Count frames without verifying them, as testpmd's rxonly does (for traffic that is not pktgen's, e.g. the broker's Generator wire)",
        };
        var command = new Command("sink", "Receive frames, verify sequence numbers and checksums") { socket, count, duration, batch, idle, wait, mode, countOnly };
        command.SetAction((r, token) => Task.FromResult(r.GetValue(mode) == "directmap"
            ? DirectTraffic.Sink(r.GetValue(socket)!, r.GetValue(count), r.GetValue(duration), r.GetValue(batch), r.GetValue(idle), r.GetValue(countOnly), token)
            : Run(r.GetValue(socket)!, r.GetValue(count), r.GetValue(duration), r.GetValue(batch), r.GetValue(idle), r.GetValue(wait), r.GetValue(countOnly),
                r.GetValue(mode) == "txdirect", token)));
        return command;
    }

    /// <summary>Deep receive rings: on a small machine the sink can be descheduled for milliseconds, and the device drops what arrives while no buffer is armed.</summary>
    internal static readonly QueueGeometry SinkGeometry = new()
    {
        FrameSize = 2048, FrameCount = 16384, TxSize = 64, CompletionSize = 64, FillSize = 8192, RxSize = 8192,
    };

    private static int Run(string socket, long count, double seconds, int batch, double idleExit, WaitMode wait, bool countOnly, bool txDirect, CancellationToken token)
    {
        using var client = MediatorClient.Connect(socket, "sink");
        if (txDirect && !DirectTraffic.Granted(client, "txdirect"))
        {
            return 2;
        }
        // TxDirect receives exactly as Mediated does (RX stays mediated); only the queue is opened differently.
        using var direct = txDirect ? client.OpenDirectQueue(SinkGeometry) : null;
        using var queue = direct?.Queue ?? client.OpenQueue(SinkGeometry);
        queue.Refill();
        Console.WriteLine($"READY {MacAddress.Format(queue.Mac)}");
        var cpuStart = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var backoff = new PollBackoff(sleeps: wait == WaitMode.Hybrid);
        using var mark = new ProgressMark();
        using var stop = new StopSignal(token);
        var deadline = new Deadline(seconds, count, stop.Token);
        var check = new SequenceCheck(verify: !countOnly);
        long lastArrival = System.Diagnostics.Stopwatch.GetTimestamp();
        long idleTicks = (long)(idleExit * System.Diagnostics.Stopwatch.Frequency);
        while (!deadline.Reached(check.Received))
        {
            uint n = queue.PeekRx((uint)batch, out uint index);
            if (n == 0)
            {
                if (idleTicks > 0 && check.Received > 0 && System.Diagnostics.Stopwatch.GetTimestamp() - lastArrival > idleTicks)
                {
                    break;
                }
                if (wait != WaitMode.Eventfd)
                {
                    backoff.Idle(queue, rx: true);
                }
                else
                {
                    queue.WaitForRx(TimeSpan.FromMilliseconds(50));
                }
                continue;
            }
            backoff.Reset();
            lastArrival = System.Diagnostics.Stopwatch.GetTimestamp();
            uint posted = queue.ReserveFill(n, out uint fill);
            for (uint i = 0; i < n; i++)
            {
                var entry = queue.RxAt(index + i);
                ulong frameStart = entry.Offset & ~(ulong)(queue.Geometry.FrameSize - 1);
                check.Add(entry.Status == 0 ? queue.Frame(entry.Offset, (int)entry.Length) : default, entry.Status == 0);
                if (i < posted)
                {
                    queue.FillSlot(fill + i).Offset = frameStart;
                }
                else
                {
                    queue.Frames.Free(frameStart);
                }
            }
            queue.ReleaseRx(n);
            mark.Update(check.Received);
            if (posted != 0)
            {
                queue.SubmitFill(posted);
            }
            queue.Refill();
        }
        double elapsed = deadline.Elapsed;
        var cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        var report = check.Report(elapsed, MacAddress.Format(queue.Mac)) with { CpuSeconds = cpu, Kicks = queue.Kicks };
        Console.WriteLine(report.ToLine());
        return check.Corrupt == 0 && check.OutOfOrder == 0 ? 0 : 1;
    }
}
