using System.Globalization;
using System.Net;
using Mediator.Cli;
using Mediator.Cli.Traffic;
using Mediator.Control;

namespace Mediator.Tests.Integration;

/// <summary>
/// The real wire: a broker on a TAP interface moved into a private network namespace, the responder
/// sample as its client, and the Linux <c>ping</c> and a Linux UDP socket in the namespace talking to it.
/// Needs root and /dev/net/tun (CI has both); skipped with the reason elsewhere.
/// </summary>
public sealed class TapNamespaceTests(ITestOutputHelper output)
{
    private const string LinuxSide = "10.77.0.1";
    private const string ResponderIp = "10.77.0.2";

    [Fact]
    public void Ping_and_udp_from_a_namespace_are_answered_by_the_responder_through_the_broker()
    {
        SkipUnlessPrivileged();
        string suffix = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        string tap = "md" + suffix;
        const int pings = 5, datagrams = 20;

        using var ns = new NetworkNamespace("mdtest-" + suffix);
        using (var broker = BrokerProcess.Start("--wire", "tap", "--tap-interface", tap))
        {
            // The broker's tun descriptor stays attached when the interface changes namespace.
            HostCommand.Run("ip", "link", "set", tap, "netns", ns.Name).EnsureSuccess("moving the TAP interface");
            ns.Ip("addr", "add", LinuxSide + "/24", "dev", tap);
            ns.Ip("link", "set", tap, "up");
            ns.Ip("link", "set", "lo", "up");

            using var responder = ChildProcess.StartSelf("respond", "--socket", broker.SocketPath, "--ip", ResponderIp + "/24", "--udp-port", "7");
            string ready = responder.WaitForLine("READY ", TimeSpan.FromSeconds(30)) ?? throw new TimeoutException("responder did not start: " + string.Join('\n', responder.ErrorLines));

            var ping = ns.Exec(TimeSpan.FromSeconds(30), "ping", "-c", pings.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "2", ResponderIp);
            output.WriteLine(ping.Output);
            Assert.True(ping.ExitCode == 0, $"ping failed ({ping.ExitCode}): {ping.Error}\n{ping.Output}");
            Assert.Matches($@"{pings} packets transmitted, {pings} received", ping.Output);

            var udp = ns.UdpRoundTrips(new IPEndPoint(IPAddress.Parse(ResponderIp), 7), datagrams, 512);
            output.WriteLine($"UDP echo: {udp.Count}/{datagrams} back, RTT min {Ms(udp.Min())} median {Ms(udp.Order().ElementAt(udp.Count / 2))} max {Ms(udp.Max())} ms");
            Assert.Equal(datagrams, udp.Count);

            var stats = broker.Stats();
            output.WriteLine($"broker: TxSent {stats[QueueCounter.TxSent]}, RxDelivered {stats[QueueCounter.RxDelivered]}, RxNoBuffer {stats[QueueCounter.RxNoBuffer]}, TxRefused {stats[QueueCounter.TxRefused]}");

            responder.Terminate(TimeSpan.FromSeconds(10));
            var report = RunReport.TryParse(RunReport.Prefix + (responder.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("responder report")))!;
            output.WriteLine($"responder {ready}: received {report.Received}, ARP {report.ArpReplies}, ICMP {report.EchoReplies}, UDP {report.UdpEchoes}, ignored {report.Ignored}, sent {report.Sent}, completed {report.Completed}");

            Assert.Equal(pings, report.EchoReplies);
            Assert.Equal(datagrams, report.UdpEchoes);
            Assert.True(report.ArpReplies >= 1, "Linux resolved the responder's MAC by ARP");
            Assert.Equal(0, report.BadChecksums);
            Assert.Equal(0, report.Refused);
            long answered = report.ArpReplies + report.EchoReplies + report.UdpEchoes;
            Assert.Equal(answered, report.Sent);
            Assert.Equal(answered, report.Completed);
            // What went through the broker: every answer sent, every question delivered.
            Assert.True(stats[QueueCounter.TxSent] >= (ulong)(pings + datagrams + 1));
            Assert.True(stats[QueueCounter.RxDelivered] >= (ulong)(pings + datagrams + 1));
            Assert.Equal(0UL, stats[QueueCounter.TxRefused]);
            Assert.Equal(0UL, stats[QueueCounter.DmaViolations]);
            Assert.Equal(1UL, stats[QueueCounter.CanaryIntact]);

            broker.Process.Terminate(TimeSpan.FromSeconds(15));
            Assert.Equal(0, broker.Process.ExitCode);
        }
        // The broker removed its interface on the way out, although it lived in another namespace.
        Assert.NotEqual(0, HostCommand.Run("ip", "-n", ns.Name, "link", "show", tap).ExitCode);
    }

    [Fact]
    public void A_second_broker_on_the_same_interface_name_refuses_to_start_and_says_why()
    {
        SkipUnlessPrivileged();
        string tap = "md" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        using var first = BrokerProcess.Start("--wire", "tap", "--tap-interface", tap);
        var e = Assert.Throws<InvalidOperationException>(() => BrokerProcess.Start("--wire", "tap", "--tap-interface", tap));
        Assert.Contains("exited with 3", e.Message, StringComparison.Ordinal);
        Assert.Contains($"TAP interface '{tap}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_CAP_NET_ADMIN_the_broker_refuses_to_start_and_names_the_capability()
    {
        SkipUnlessPrivileged();
        Assert.SkipUnless(HostCommand.Exists("setpriv"), "setpriv (util-linux) is not installed");
        var self = ChildProcess.SelfStartInfo();
        string socket = Path.Combine(Path.GetTempPath(), $"mediator-nocap-{Environment.ProcessId}-{Random.Shared.Next()}.sock");
        // Root, but with CAP_NET_ADMIN gone from the bounding set (and so from the broker's effective set).
        var result = HostCommand.Run(TimeSpan.FromSeconds(60), "setpriv", ["--bounding-set=-net_admin", "--inh-caps=-net_admin", "--",
            self.FileName, .. self.ArgumentList, "broker", "--socket", socket, "--wire", "tap", "--tap-interface", "mdnocap0"]);
        File.Delete(socket);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("CAP_NET_ADMIN", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interface_name_longer_than_IFNAMSIZ_is_a_configuration_error()
    {
        // No privilege needed: validation happens before anything is created.
        var e = Assert.Throws<InvalidOperationException>(() => BrokerProcess.Start("--wire", "tap", "--tap-interface", "a-name-far-too-long"));
        Assert.Contains("exited with 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("Broker:TapInterface", e.Message, StringComparison.Ordinal);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture);

    private static void SkipUnlessPrivileged()
    {
        if (NetworkNamespace.MissingPrivilege() is { } reason)
        {
            Assert.Skip(reason);
        }
    }
}
