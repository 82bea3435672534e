using System.CommandLine;
using System.Diagnostics;
using Mediator.Cli.Traffic;
using Mediator.Client;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator pktgen</c>: sends numbered, checksummed test frames to a destination MAC through the
/// broker, with the zero-copy batch API, optionally paced to a rate. Prints a REPORT line at the end.
/// </summary>
internal static class PktgenCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var dst = new Option<string>("--dst") { Description = "Destination MAC (the receiving client's queue MAC)", Required = true };
        var count = CommonOptions.Count();
        var duration = CommonOptions.Duration(0);
        var batch = CommonOptions.Batch();
        var size = CommonOptions.FrameSize();
        var rate = new Option<double>("--rate") { Description = "Frames per second (0: as fast as possible)", DefaultValueFactory = _ => 0 };
        var generator = new Option<uint>("--generator") { Description = "Generator id written into each frame", DefaultValueFactory = _ => 1 };
        var mode = CommonOptions.Mode();
        var command = new Command("pktgen", "Send numbered, checksummed test frames through the broker")
        {
            socket, dst, count, duration, batch, size, rate, generator, mode,
        };
        command.SetAction((r, token) => Task.FromResult(r.GetValue(mode) is "mediated" or null
            ? Run(r.GetValue(socket)!, MacAddress.Parse(r.GetValue(dst)!), r.GetValue(count),
                r.GetValue(duration), r.GetValue(batch), r.GetValue(size), r.GetValue(rate), r.GetValue(generator), token)
            : DirectTraffic.Pktgen(r.GetValue(mode)!, r.GetValue(socket)!, MacAddress.Parse(r.GetValue(dst)!), r.GetValue(count),
                r.GetValue(duration), r.GetValue(batch), r.GetValue(size), r.GetValue(rate), r.GetValue(generator), token)));
        return command;
    }

    private static int Run(string socket, byte[] dst, long count, double seconds, int batch, int size, double rate, uint generator, CancellationToken token)
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
        var deadline = new Deadline(seconds, count, token);
        long sent = 0;
        ulong sequence = 0;
        double ticksPerFrame = rate > 0 ? Stopwatch.Frequency / rate : 0;
        while (!deadline.Reached(sent))
        {
            uint want = (uint)Math.Min(Math.Min(batch, deadline.Remaining(sent)), queue.Frames.Available);
            if (ticksPerFrame > 0)
            {
                long allowed = (long)((Stopwatch.GetTimestamp() - deadline.Started) / ticksPerFrame) - sent;
                want = (uint)Math.Clamp(allowed, 0, want);
            }
            queue.ReapCompletions();
            uint index = 0;
            uint n = want == 0 ? 0 : queue.ReserveTx(want, out index);
            for (uint i = 0; i < n; i++)
            {
                queue.Frames.TryAllocate(out ulong offset);
                TestFrame.Write(queue.Frame(offset, size), dst, src, generator, sequence++);
                ref var slot = ref queue.TxSlot(index + i);
                slot.Offset = offset;
                slot.Length = (uint)size;
                slot.Options = 0;
            }
            if (n != 0)
            {
                queue.SubmitTx(n);
                sent += n;
            }
            else if (want != 0)
            {
                queue.WaitForCompletions(TimeSpan.FromMilliseconds(10)); // ring or frames full: let the broker catch up
            }
            else
            {
                Thread.Sleep(0); // paced and ahead of schedule: give the core to the others
            }
        }
        double elapsed = deadline.Elapsed;
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
        };
        Console.WriteLine(report.ToLine());
        return queue.Completed + queue.Refused == sent ? 0 : 1;
    }
}
