using System.Diagnostics;
using Mediator.Abi;
using Mediator.Cli.Traffic;
using Mediator.Client;
using Mediator.Client.Unsafe;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>pktgen</c> and <c>sink</c> in the unsafe modes (<c>--mode txdirect|directmap</c>): the same frames
/// and the same REPORT line, driven by the 82599 driver of <c>Mediator.Client.Unsafe</c> instead of the
/// broker's request rings. The broker must enable unsafe modes and grant the mode; it is the throughput
/// baseline the mediated path is compared with.
/// </summary>
internal static class DirectTraffic
{
    private static readonly QueueGeometry PktgenGeometry = QueueGeometry.Default;

    /// <summary>pktgen through a TxDirect or DirectMap queue.</summary>
    public static int Pktgen(string mode, string socket, byte[] dst, long count, double seconds, int batch, int size, double rate, uint generator, CancellationToken token)
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
        if (!Granted(client, mode))
        {
            return 2;
        }
        var queue = client.OpenDirectQueue(PktgenGeometry);
        using IDisposable owner = mode == "directmap" ? new DirectMapDriver(queue) : new TxDirectDriver(queue);
        var tx = (IDirectTransmitter)owner;
        Console.WriteLine($"READY {MacAddress.Format(tx.Mac)}");
        byte[] src = tx.Mac.ToArray();
        var frames = new TestFrameWriter(size, dst, src, generator);
        var deadline = new Deadline(seconds, count, token);
        long sent = 0;
        ulong sequence = 0;
        double ticksPerFrame = rate > 0 ? Stopwatch.Frequency / rate : 0;
        var backoff = new PollBackoff();
        while (!deadline.Reached(sent))
        {
            tx.ReapCompletions();
            uint want = (uint)Math.Min(Math.Min(batch, deadline.Remaining(sent)), tx.Frames.Available);
            if (ticksPerFrame > 0)
            {
                long allowed = (long)((Stopwatch.GetTimestamp() - deadline.Started) / ticksPerFrame) - sent;
                want = (uint)Math.Clamp(allowed, 0, want);
            }
            uint index = 0;
            uint n = want == 0 ? 0 : tx.ReserveTx(want, out index);
            for (uint i = 0; i < n; i++)
            {
                tx.Frames.TryAllocate(out ulong offset);
                frames.Write(tx.Frame(offset, size), sequence++);
                ref var slot = ref tx.TxSlot(index + i);
                slot.Offset = offset;
                slot.Length = (uint)size;
            }
            if (n != 0)
            {
                tx.SubmitTx(n);
                sent += n;
                backoff.Reset();
            }
            else if (want != 0 || tx.Frames.Available == 0)
            {
                // Ring or frames full: wait for completions by polling DD, backing off exactly as the
                // mediated pktgen does (a short pause per empty poll, a yield every 256), rather than
                // entering the kernel on every look at a full ring.
                if (tx.ReapCompletions() == 0)
                {
                    backoff.Idle();
                }
            }
            else
            {
                Thread.Sleep(0); // paced and ahead of schedule: give the core to the others
            }
        }
        double elapsed = deadline.Elapsed;
        long drainEnd = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
        while (tx.TxInFlight != 0 && Stopwatch.GetTimestamp() < drainEnd)
        {
            if (tx.ReapCompletions() == 0)
            {
                Thread.Yield();
            }
        }
        var report = new RunReport
        {
            Role = "pktgen", Sent = sent, Completed = tx.Completed, Seconds = elapsed, Mpps = sent / elapsed / 1e6,
            Mac = MacAddress.Format(tx.Mac), LastSequence = (long)sequence - 1,
        };
        Console.WriteLine(report.ToLine());
        return tx.Completed == sent ? 0 : 1;
    }

    /// <summary>sink through a DirectMap queue: the driver arms the device RX ring itself.</summary>
    public static int Sink(string socket, long count, double seconds, int batch, double idleExit, bool countOnly, CancellationToken token)
    {
        using var client = MediatorClient.Connect(socket, "sink");
        if (!Granted(client, "directmap"))
        {
            return 2;
        }
        var geometry = SinkCommand.SinkGeometry;
        using var driver = new DirectMapDriver(client.OpenDirectQueue(geometry));
        Console.WriteLine($"READY {MacAddress.Format(driver.Mac)}");
        var deadline = new Deadline(seconds, count, token);
        var check = new SequenceCheck(verify: !countOnly);
        long lastArrival = Stopwatch.GetTimestamp();
        long idleTicks = (long)(idleExit * Stopwatch.Frequency);
        ulong frameMask = ~((ulong)geometry.FrameSize - 1);
        var frames = new ulong[Math.Max(batch, 1)];
        var backoff = new PollBackoff();
        while (!deadline.Reached(check.Received))
        {
            uint n = driver.PeekRx((uint)frames.Length, out uint index);
            if (n == 0)
            {
                if (idleTicks > 0 && check.Received > 0 && Stopwatch.GetTimestamp() - lastArrival > idleTicks)
                {
                    break;
                }
                backoff.Idle(); // polling driver (no interrupt reaches this process): back off as the mediated sink does
                continue;
            }
            backoff.Reset();
            lastArrival = Stopwatch.GetTimestamp();
            for (uint i = 0; i < n; i++)
            {
                var entry = driver.RxAt(index + i); // read every write-back before the slots are re-armed
                check.Add(entry.Status == 0 ? driver.Frame(entry.Offset, (int)entry.Length) : default, entry.Status == 0);
                frames[i] = entry.Offset & frameMask;
            }
            driver.ReleaseRx(n);
            uint armed = driver.ReserveFill(n, out uint fill);
            for (uint i = 0; i < n; i++)
            {
                if (i < armed)
                {
                    driver.FillSlot(fill + i).Offset = frames[i];
                }
                else
                {
                    driver.Frames.Free(frames[i]);
                }
            }
            if (armed != 0)
            {
                driver.SubmitFill(armed);
            }
            driver.Refill();
        }
        double elapsed = deadline.Elapsed;
        var report = check.Report(elapsed, MacAddress.Format(driver.Mac));
        Console.WriteLine(report.ToLine());
        return report.Corrupt == 0 && report.OutOfOrder == 0 ? 0 : 1;
    }

    /// <summary>Whether the broker's policy grants the <c>--mode</c> asked for; says why not on stderr.</summary>
    public static bool Granted(MediatorClient client, string mode)
    {
        var wanted = mode == "directmap" ? Control.ClientMode.DirectMap : Control.ClientMode.TxDirect;
        if (client.Mode == wanted)
        {
            return true;
        }
        Console.Error.WriteLine($"--mode {mode}: the broker's policy grants this client {client.Mode} (start it with --Broker:EnableUnsafeModes=true --Broker:DefaultPolicy:Mode={wanted})");
        return false;
    }
}
