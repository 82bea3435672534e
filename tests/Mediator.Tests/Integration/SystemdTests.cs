using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Mediator.Client;

namespace Mediator.Tests.Integration;

/// <summary>
/// The broker as a systemd service: Type=notify readiness and stopping through NOTIFY_SOCKET, and a
/// SIGTERM that tells clients Goodbye and completes the work in flight before the process exits.
/// </summary>
public sealed partial class SystemdTests
{
    [Fact]
    public void The_broker_reports_READY_when_it_serves_and_STOPPING_on_SIGTERM()
    {
        var dir = Directory.CreateTempSubdirectory("mediator-notify-");
        try
        {
            string path = Path.Combine(dir.FullName, "notify.sock");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(path));
            using var broker = BrokerProcess.Start(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path });

            // BrokerProcess.Start returned: a client got in. READY=1 was sent once every service had started.
            Assert.Contains("READY=1", Receive(notify, "READY=1"), StringComparison.Ordinal);

            broker.Process.SignalTerminate();
            Assert.Contains("STOPPING=1", Receive(notify, "STOPPING=1"), StringComparison.Ordinal);
            Assert.True(broker.Process.WaitForExit(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, broker.Process.ExitCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void SIGTERM_tells_the_client_and_completes_every_frame_the_broker_had_taken()
    {
        using var broker = BrokerProcess.Start("--Logging:LogLevel:Mediator=Information", "--Broker:DrainTimeoutMilliseconds=5000");
        using var client = broker.Connect("drain");
        using var queue = client.OpenQueue();
        // Frames to a MAC nobody has: the device sends them and the loopback drops them at RX, so the
        // client's only work is submitting and reaping.
        byte[] frames = new byte[64 * 128];
        for (int i = 0; i < 64; i++)
        {
            frames.AsSpan(i * 128, 6).Fill(0x0E);
            queue.Mac.CopyTo(frames.AsSpan(i * 128 + 6));
        }

        long deadline = Environment.TickCount64 + 30_000;
        bool signalled = false;
        while (!client.IsBrokerShuttingDown && Environment.TickCount64 < deadline)
        {
            queue.SendBatch(frames, 128, 64);
            if (!signalled && queue.Completed > 10_000)
            {
                broker.Process.SignalTerminate(); // while frames are being sent and completed
                signalled = true;
            }
            client.PollEvents();
        }

        Assert.True(client.IsBrokerShuttingDown, "the client saw the broker's Goodbye");
        Assert.True(broker.Process.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, broker.Process.ExitCode);
        // The broker's account of the queue, written when it was drained and freed.
        string closed = broker.Process.WaitForLine(l => l.Contains(" closed: ", StringComparison.Ordinal), TimeSpan.FromSeconds(10))
            ?? throw new TimeoutException("no queue-closed line from the broker");
        var m = ClosedLine().Match(closed);
        Assert.True(m.Success, closed);
        long brokerSent = long.Parse(m.Groups["sent"].Value, CultureInfo.InvariantCulture);
        long cancelled = long.Parse(m.Groups["cancelled"].Value, CultureInfo.InvariantCulture);

        queue.ReapCompletions(); // the broker is gone; what it completed is in our mapping
        Assert.Equal(0, cancelled);
        Assert.Equal(0, queue.Refused);
        Assert.Equal(brokerSent, queue.Completed); // every frame taken came back completed
        Assert.True(queue.Sent >= queue.Completed);
        Assert.True(queue.Completed > 10_000);
    }

    private static string Receive(Socket socket, string wanted)
    {
        var buffer = new byte[4096];
        long end = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < end)
        {
            socket.ReceiveTimeout = (int)Math.Max(1, end - Environment.TickCount64);
            try
            {
                int n = socket.Receive(buffer);
                string text = Encoding.UTF8.GetString(buffer, 0, n);
                if (text.Contains(wanted, StringComparison.Ordinal))
                {
                    return text;
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                break;
            }
        }
        throw new TimeoutException($"no {wanted} on NOTIFY_SOCKET within 30 s");
    }

    [GeneratedRegex(@"(?<sent>\d+) sent, (?<refused>\d+) refused, (?<received>\d+) received, (?<cancelled>\d+) cancelled")]
    private static partial Regex ClosedLine();
}
