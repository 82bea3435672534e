using System.CommandLine;
using Mediator.Cli.Responder;
using Mediator.Cli.Traffic;
using Mediator.Client;

namespace Mediator.Cli.Commands;

/// <summary>
/// <c>mediator respond --ip 10.77.0.2/24</c>: a tiny IPv4 host behind the broker, an untrusted client
/// like any other. It answers ARP requests for its address and ICMP echo requests (so <c>ping</c>
/// works), and echoes UDP datagrams sent to <c>--udp-port</c>. With the broker on a TAP wire, Linux can
/// talk to it. Prints <c>READY &lt;mac&gt; &lt;ip&gt;</c> when it listens and a REPORT line when it ends
/// (duration, Ctrl-C/SIGTERM, or the broker's Goodbye).
/// </summary>
internal static class RespondCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var ip = new Option<string>("--ip") { Description = "IPv4 address (and prefix) to answer for, e.g. 10.77.0.2/24", Required = true };
        var udpPort = new Option<int>("--udp-port") { Description = "UDP echo port (RFC 862)", DefaultValueFactory = _ => 7 };
        var duration = CommonOptions.Duration(0);
        var command = new Command("respond", "Answer ARP, ping (ICMP echo) and UDP echo for an IPv4 address") { socket, ip, udpPort, duration };
        command.SetAction((r, token) =>
        {
            Ipv4Endpoint address;
            try
            {
                address = Ipv4Endpoint.Parse(r.GetValue(ip)!);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"mediator respond: {e.Message}");
                return Task.FromResult(2);
            }
            int port = r.GetValue(udpPort);
            if (port is < 1 or > 65535)
            {
                Console.Error.WriteLine("mediator respond: --udp-port must be 1 to 65535");
                return Task.FromResult(2);
            }
            return Task.FromResult(Run(r.GetValue(socket)!, address, (ushort)port, r.GetValue(duration), token));
        });
        return command;
    }

    private static int Run(string socket, Ipv4Endpoint address, ushort udpPort, double seconds, CancellationToken cancel)
    {
        // SIGTERM (a service manager, a test) ends the run like Ctrl-C: the REPORT line is still printed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        var token = stop.Token;
        using var client = MediatorClient.Connect(socket, "respond");
        using var queue = client.OpenQueue();
        queue.Refill();
        var responder = new PacketResponder(queue.Mac, address.Bytes, udpPort);
        Console.WriteLine($"READY {MacAddress.Format(queue.Mac)} {address}");
        var rx = new byte[queue.Geometry.FrameSize];
        var tx = new byte[queue.Geometry.FrameSize];
        var deadline = new Deadline(seconds, 0, token);
        long received = 0, sent = 0, notSent = 0;
        while (!deadline.Reached(0) && !client.IsBrokerShuttingDown)
        {
            queue.ReapCompletions();
            if (!queue.TryReceive(rx, out int length))
            {
                if (!queue.WaitForRx(TimeSpan.FromMilliseconds(100)))
                {
                    client.PollEvents(); // notice a Goodbye while idle
                }
                continue;
            }
            received++;
            int n = responder.Answer(rx.AsSpan(0, length), tx);
            if (n == 0)
            {
                continue;
            }
            if (queue.TrySend(tx.AsSpan(0, n)))
            {
                sent++;
            }
            else
            {
                notSent++; // TX ring or frames exhausted: the peer retries, as it would on a lossy link
            }
        }
        queue.WaitForCompletions(TimeSpan.FromMilliseconds(200));
        queue.ReapCompletions();
        Console.WriteLine(new RunReport
        {
            Role = "respond", Received = received, Sent = sent, Completed = queue.Completed, Refused = queue.Refused + notSent,
            Seconds = deadline.Elapsed, Mac = MacAddress.Format(queue.Mac),
            ArpReplies = responder.ArpReplies, EchoReplies = responder.EchoReplies, UdpEchoes = responder.UdpEchoes,
            Ignored = responder.Ignored, BadChecksums = responder.BadChecksums,
        }.ToLine());
        return 0;
    }
}
