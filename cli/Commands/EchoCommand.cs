using System.CommandLine;
using Mediator.Cli.Traffic;
using Mediator.Client;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator echo</c>: sends every received frame back to its source, with its own MAC as the new
/// source. Zero-copy: the RX buffer itself is submitted for TX, and comes back to the fill ring when
/// its completion arrives.
/// </summary>
internal static class EchoCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var count = CommonOptions.Count();
        var duration = CommonOptions.Duration(0);
        var batch = CommonOptions.Batch();
        var command = new Command("echo", "Send every received frame back to its sender") { socket, count, duration, batch };
        command.SetAction((r, token) => Task.FromResult(Run(r.GetValue(socket)!, r.GetValue(count), r.GetValue(duration), r.GetValue(batch), token)));
        return command;
    }

    private static int Run(string socket, long count, double seconds, int batch, CancellationToken token)
    {
        using var client = MediatorClient.Connect(socket, "echo");
        using var queue = client.OpenQueue();
        queue.Refill();
        Console.WriteLine($"READY {MacAddress.Format(queue.Mac)}");
        byte[] mac = queue.Mac.ToArray();
        var deadline = new Deadline(seconds, count, token);
        long echoed = 0, received = 0;
        while (!deadline.Reached(received))
        {
            queue.ReapCompletions();
            queue.Refill();
            uint n = queue.PeekRx((uint)batch, out uint index);
            if (n == 0)
            {
                queue.WaitForRx(TimeSpan.FromMilliseconds(50));
                continue;
            }
            uint slots = queue.ReserveTx(n, out uint tx);
            uint sent = 0;
            for (uint i = 0; i < n; i++)
            {
                var entry = queue.RxAt(index + i);
                ulong frameStart = entry.Offset & ~(ulong)(queue.Geometry.FrameSize - 1);
                received++;
                if (entry.Status != 0 || entry.Length < 14 || sent >= slots)
                {
                    queue.Frames.Free(frameStart);
                    continue;
                }
                var frame = queue.Frame(entry.Offset, (int)entry.Length);
                frame[6..12].CopyTo(frame); // destination := old source
                mac.CopyTo(frame[6..]);
                ref var slot = ref queue.TxSlot(tx + sent++);
                slot.Offset = entry.Offset;
                slot.Length = entry.Length;
                slot.Options = 0;
            }
            queue.ReleaseRx(n);
            if (sent != 0)
            {
                queue.SubmitTx(sent);
                echoed += sent;
            }
        }
        Console.WriteLine(new RunReport { Role = "echo", Received = received, Sent = echoed, Seconds = deadline.Elapsed, Mac = MacAddress.Format(mac) }.ToLine());
        return 0;
    }
}
