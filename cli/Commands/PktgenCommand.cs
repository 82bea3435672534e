using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Mediator.Cli.Traffic;
using Mediator.Client;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator pktgen</c>: sends numbered, checksummed test frames to a destination MAC through the
/// broker, with the zero-copy batch API, optionally paced to a rate. Prints a REPORT line at the end.
/// With <c>--latency</c> it plays ping-pong instead: one frame at a time carrying its send timestamp,
/// to itself through the device's loopback (<c>--dst self</c>) or to an echo client, and reports the
/// round-trip percentiles.
/// </summary>
internal static class PktgenCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var dst = new Option<string>("--dst") { Description = "Destination MAC (the receiving client's queue MAC), or 'self' (the device's loopback brings frames back here)", Required = true };
        var count = CommonOptions.Count();
        var duration = CommonOptions.Duration(0);
        var batch = CommonOptions.Batch();
        var size = CommonOptions.FrameSize();
        var rate = new Option<double>("--rate") { Description = "Frames per second (0: as fast as possible)", DefaultValueFactory = _ => 0 };
        var generator = new Option<uint>("--generator") { Description = "Generator id written into each frame", DefaultValueFactory = _ => 1 };
        var mode = CommonOptions.Mode();
        var wait = CommonOptions.Wait();
        var latency = new Option<bool>("--latency") { Description = "Ping-pong: one frame at a time with its send timestamp, wait for it to come back, report p50/p99/p99.9 round trips" };
        var samples = new Option<string?>("--samples") { Description = "With --latency: write every round trip (ns, one per line) to this file" };
        var command = new Command("pktgen", "Send numbered, checksummed test frames through the broker")
        {
            socket, dst, count, duration, batch, size, rate, generator, mode, wait, latency, samples,
        };
        command.SetAction((r, token) =>
        {
            string target = r.GetValue(dst)!;
            byte[]? mac = target == "self" ? null : MacAddress.Parse(target);
            if (r.GetValue(mode) is { } m && m != "mediated")
            {
                return Task.FromResult(DirectTraffic.Pktgen(m, r.GetValue(socket)!, mac ?? throw new ArgumentException("--dst self works in mediated mode only"),
                    r.GetValue(count), r.GetValue(duration), r.GetValue(batch), r.GetValue(size), r.GetValue(rate), r.GetValue(generator), token));
            }
            return Task.FromResult(r.GetValue(latency)
                ? RunLatency(r.GetValue(socket)!, mac, r.GetValue(count), r.GetValue(duration), r.GetValue(size), r.GetValue(generator), r.GetValue(samples), token)
                : Run(r.GetValue(socket)!, mac, r.GetValue(count), r.GetValue(duration), r.GetValue(batch), r.GetValue(size), r.GetValue(rate),
                    r.GetValue(generator), r.GetValue(wait), token));
        });
        return command;
    }

    private static int Run(string socket, byte[]? dstOrSelf, long count, double seconds, int batch, int size, double rate, uint generator, WaitMode wait, CancellationToken token)
    {
        if (size < TestFrame.MinLength || size > 1514)
        {
            Console.Error.WriteLine($"--size must be {TestFrame.MinLength} to 1514");
            return 2;
        }
        if (count <= 0 && seconds <= 0)
        {
            Console.Error.WriteLine("give --count or --duration");
            return 2;
        }
        using var client = MediatorClient.Connect(socket, "pktgen");
        using var queue = client.OpenQueue();
        Console.WriteLine($"READY {MacAddress.Format(queue.Mac)}");
        byte[] src = queue.Mac.ToArray();
        byte[] dst = dstOrSelf ?? src;
        var frames = new TestFrameWriter(size, dst, src, generator);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        using var stop = new StopSignal(token);
        var deadline = new Deadline(seconds, count, stop.Token);
        long sent = 0;
        ulong sequence = 0;
        double ticksPerFrame = rate > 0 ? Stopwatch.Frequency / rate : 0;
        var backoff = new PollBackoff(sleeps: wait == WaitMode.Hybrid);
        using var mark = new ProgressMark();
        while (!deadline.Reached(sent))
        {
            uint want = (uint)Math.Min(Math.Min(batch, deadline.Remaining(sent)), queue.Frames.Available);
            if (ticksPerFrame > 0)
            {
                long allowed = (long)((Stopwatch.GetTimestamp() - deadline.Started) / ticksPerFrame) - sent;
                want = (uint)Math.Clamp(allowed, 0, want);
            }
            queue.ReapCompletions();
            mark.Update(queue.Completed);
            uint index = 0;
            uint n = want == 0 ? 0 : queue.ReserveTx(want, out index);
            for (uint i = 0; i < n; i++)
            {
                queue.Frames.TryAllocate(out ulong offset);
                frames.Write(queue.Frame(offset, size), sequence++);
                ref var slot = ref queue.TxSlot(index + i);
                slot.Offset = offset;
                slot.Length = (uint)size;
                slot.Options = 0;
            }
            if (n != 0)
            {
                queue.SubmitTx(n);
                sent += n;
                backoff.Reset();
            }
            else if (want != 0 || queue.Frames.Available == 0)
            {
                // Ring or frames full: let the broker catch up.
                if (wait != WaitMode.Eventfd)
                {
                    backoff.Idle(queue, rx: false);
                }
                else
                {
                    queue.WaitForCompletions(TimeSpan.FromMilliseconds(10));
                }
            }
            else
            {
                Thread.Sleep(0); // paced and ahead of schedule: give the core to the others
            }
        }
        double elapsed = deadline.Elapsed;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        // Every request completes exactly once: wait for all of them (sent or refused).
        var drainEnd = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
        while (queue.Completed + queue.Refused < sent && Stopwatch.GetTimestamp() < drainEnd)
        {
            if (queue.ReapCompletions() == 0)
            {
                queue.WaitForCompletions(TimeSpan.FromMilliseconds(50));
            }
        }
        var report = new RunReport
        {
            Role = "pktgen", Sent = sent, Completed = queue.Completed, Refused = queue.Refused, Seconds = elapsed,
            Mpps = sent / elapsed / 1e6, Mac = MacAddress.Format(queue.Mac), LastSequence = (long)sequence - 1,
            CpuSeconds = cpu, Kicks = queue.Kicks,
        };
        Console.WriteLine(report.ToLine());
        return queue.Completed + queue.Refused == sent ? 0 : 1;
    }

    /// <summary>
    /// Ping-pong in poll mode: send one frame whose sequence number is its send timestamp, busy-poll RX
    /// until it is back, record the round trip. Frames that do not come back within 100 ms are counted
    /// as lost (the sequence numbers tell a stale one apart).
    /// </summary>
    private static int RunLatency(string socket, byte[]? dstOrSelf, long count, double seconds, int size, uint generator, string? samplesPath, CancellationToken token)
    {
        if (size < TestFrame.MinLength || size > 1514)
        {
            Console.Error.WriteLine($"--size must be {TestFrame.MinLength} to 1514");
            return 2;
        }
        if (count <= 0 && seconds <= 0)
        {
            Console.Error.WriteLine("give --count or --duration");
            return 2;
        }
        using var client = MediatorClient.Connect(socket, "pktgen-latency");
        using var queue = client.OpenQueue();
        queue.Refill();
        Console.WriteLine($"READY {MacAddress.Format(queue.Mac)}");
        byte[] src = queue.Mac.ToArray();
        byte[] dst = dstOrSelf ?? src;
        var frames = new TestFrameWriter(size, dst, src, generator);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var rtts = new long[1 << 20];
        int taken = 0;
        long lost = 0;
        long timeout = Stopwatch.Frequency / 10;
        using var stop = new StopSignal(token);
        var deadline = new Deadline(seconds, count, stop.Token);
        while (!deadline.Reached(taken + lost) && taken < rtts.Length)
        {
            queue.ReapCompletions();
            if (queue.ReserveTx(1, out uint index) == 0 || !queue.Frames.TryAllocate(out ulong offset))
            {
                queue.WaitForCompletions(TimeSpan.FromMilliseconds(10));
                continue;
            }
            long sentAt = Stopwatch.GetTimestamp();
            frames.Write(queue.Frame(offset, size), (ulong)sentAt);
            ref var slot = ref queue.TxSlot(index);
            slot.Offset = offset;
            slot.Length = (uint)size;
            slot.Options = 0;
            queue.SubmitTx(1);
            bool back = false;
            while (!back && Stopwatch.GetTimestamp() - sentAt < timeout)
            {
                uint n = queue.PeekRx(16, out uint rx);
                if (n == 0)
                {
                    continue; // busy-poll: no back-off, this is the latency being measured
                }
                long now = Stopwatch.GetTimestamp();
                for (uint i = 0; i < n; i++)
                {
                    var entry = queue.RxAt(rx + i);
                    if (entry.Status == 0 && TestFrame.TryVerify(queue.Frame(entry.Offset, (int)entry.Length), out _, out ulong stamp) && (long)stamp == sentAt)
                    {
                        rtts[taken++] = (long)((now - sentAt) * 1e9 / Stopwatch.Frequency);
                        back = true;
                    }
                    queue.Frames.Free(entry.Offset & ~(ulong)(queue.Geometry.FrameSize - 1));
                }
                queue.ReleaseRx(n);
                queue.Refill();
            }
            if (!back)
            {
                lost++;
            }
        }
        double elapsed = deadline.Elapsed;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        Array.Sort(rtts, 0, taken);
        long[] sorted = rtts[..taken];
        if (samplesPath is not null)
        {
            using var w = new StreamWriter(samplesPath);
            foreach (long ns in sorted)
            {
                w.WriteLine(ns.ToString(CultureInfo.InvariantCulture));
            }
        }
        double Pct(double p) => taken == 0 ? 0 : sorted[Math.Min(taken - 1, (int)Math.Ceiling(p * taken) - 1)] / 1000.0;
        var report = new RunReport
        {
            Role = "latency", Sent = taken + lost, Received = taken, Gaps = lost, Seconds = elapsed, Mpps = taken / elapsed / 1e6,
            Mac = MacAddress.Format(queue.Mac), CpuSeconds = cpu, Kicks = queue.Kicks,
            Samples = taken, P50Us = Pct(0.50), P99Us = Pct(0.99), P999Us = Pct(0.999),
        };
        Console.WriteLine(report.ToLine());
        return taken > 0 ? 0 : 1;
    }
}
