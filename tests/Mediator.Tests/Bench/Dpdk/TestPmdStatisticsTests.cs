using Mediator.Bench.Dpdk;

namespace Mediator.Tests.Bench.Dpdk;

public sealed class TestPmdStatisticsTests
{
    private const string Esc = "\u001b";

    // As testpmd 22.11 prints it: a periodic block after clear-screen escapes, vhost log lines in
    // between, the forward statistics on SIGINT, and a periodic block cut short at the end.
    private static readonly string[] Sample =
    [
        "EAL: Detected CPU lcores: 2",
        "Logical Core 1 (socket 0) forwards packets on 1 streams:",
        $"{Esc}[2J{Esc}[1;1H",
        "Port statistics ====================================",
        "  ######################## NIC statistics for port 0  ########################",
        "  RX-packets: 266240     RX-missed: 0          RX-bytes:  17039360",
        "  RX-errors: 0",
        "  RX-nombuf:  3         ",
        "  TX-packets: 0          TX-errors: 0          TX-bytes:  0",
        "",
        "  Throughput (since last show)",
        "  Rx-pps:        32379          Rx-bps:     16578184",
        "  Tx-pps:            0          Tx-bps:            0",
        "  ############################################################################",
        "VHOST_CONFIG: (/tmp/dx.sock) read message VHOST_USER_GET_VRING_BASE",
        $"{Esc}[2J{Esc}[1;1H",
        "Port statistics ====================================",
        "  ######################## NIC statistics for port 0  ########################",
        "  RX-packets: 390400     RX-missed: 7          RX-bytes:  24985600",
        "  RX-errors: 0",
        "  RX-nombuf:  0         ",
        "  TX-packets: 12         TX-errors: 1          TX-bytes:  768",
        "",
        "  Throughput (since last show)",
        "  Rx-pps:        30331          Rx-bps:     15529928",
        "  Tx-pps:            0          Tx-bps:            0",
        "  ############################################################################",
        "Telling cores to stop...",
        "Waiting for lcores to finish...",
        "",
        "  ---------------------- Forward statistics for port 0  ----------------------",
        "  RX-packets: 390400         RX-dropped: 5             RX-total: 390405",
        "  Bad-ipcsum: 0              Bad-l4csum: 0             Bad-outer-l4csum: 0",
        "  TX-packets: 390395         TX-dropped: 585530496     TX-total: 585920891",
        "  ----------------------------------------------------------------------------",
        "",
        "  +++++++++++++++ Accumulated forward statistics for all ports+++++++++++++++",
        "  RX-packets: 390400         RX-dropped: 5             RX-total: 390405",
        "  TX-packets: 390395         TX-dropped: 585530496     TX-total: 585920891",
        "  ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++",
        "Done.",
        $"{Esc}[2J{Esc}[1;1H",
        "  ######################## NIC statistics for port 0  ########################",
        "  RX-packets: 999999     RX-missed: 0          RX-bytes:  1",
    ];

    [Fact]
    public void Periodic_blocks_are_read_through_escapes_and_log_lines_and_a_cut_block_is_ignored()
    {
        var parsed = TestPmdStatistics.Parse(Sample);

        Assert.Equal(2, parsed.Nic.Count);
        Assert.Equal(266240, parsed.Nic[0].RxPackets);
        Assert.Equal(3, parsed.Nic[0].RxNoMbuf);
        Assert.Equal(32379, parsed.Nic[0].RxPps);
        var last = parsed.LastNic()!;
        Assert.Equal(390400, last.RxPackets);
        Assert.Equal(7, last.RxMissed);
        Assert.Equal(24985600, last.RxBytes);
        Assert.Equal(12, last.TxPackets);
        Assert.Equal(1, last.TxErrors);
        Assert.Equal(768, last.TxBytes);
        Assert.Equal(30331, last.RxPps);
        Assert.Equal(0, last.TxPps);
    }

    [Fact]
    public void Forward_statistics_per_port_and_accumulated_are_read_with_extra_counters_in_between()
    {
        var parsed = TestPmdStatistics.Parse(Sample);

        var port = parsed.ForwardOf(0)!;
        Assert.Equal(390400, port.RxPackets);
        Assert.Equal(5, port.RxDropped);
        Assert.Equal(390405, port.RxTotal);
        Assert.Equal(390395, port.TxPackets);
        Assert.Equal(585530496, port.TxDropped);
        Assert.Equal(585920891, port.TxTotal);
        Assert.Equal(port with { Port = -1 }, parsed.Accumulated);
        Assert.Null(parsed.ForwardOf(1));
    }

    [Fact]
    public void Only_rule_lines_close_a_block()
    {
        Assert.True(TestPmdStatistics.ClosesBlock("  ############################################################################"));
        Assert.True(TestPmdStatistics.ClosesBlock("  ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"));
        Assert.False(TestPmdStatistics.ClosesBlock("  ######################## NIC statistics for port 0  ########################"));
        Assert.False(TestPmdStatistics.ClosesBlock("  RX-packets: 390400         RX-dropped: 5             RX-total: 390405"));
        Assert.False(TestPmdStatistics.ClosesBlock("Port statistics ===================================="));
    }

    [Fact]
    public void Output_without_statistics_parses_to_nothing()
    {
        var parsed = TestPmdStatistics.Parse(["EAL: Error - exiting with code: 1", "Cause: No probed ethernet devices"]);

        Assert.Empty(parsed.Nic);
        Assert.Empty(parsed.Forward);
        Assert.Null(parsed.Accumulated);
        Assert.Null(parsed.LastNic());
    }

    [Fact]
    public void The_command_line_pins_main_and_forwarding_lcores_and_names_its_hugepage_files()
    {
        var options = new TestPmdOptions { Vdev = "net_virtio_user0,path=/tmp/a.sock,queues=1,mac=02:00:00:00:00:07", ForwardMode = "txonly", ForwardingCpu = 1, MainCpu = 0, EthPeer = "02:00:00:00:00:07" };

        var args = options.Arguments().ToList();

        Assert.Equal("0@0,1@1", args[args.IndexOf("--lcores") + 1]);
        Assert.Equal(options.FilePrefix, args[args.IndexOf("--file-prefix") + 1]);
        Assert.StartsWith("mdt", options.FilePrefix, StringComparison.Ordinal);
        Assert.NotEqual(options.FilePrefix, new TestPmdOptions { Vdev = "x" }.FilePrefix);
        Assert.True(args.IndexOf("--vdev") < args.IndexOf("--"));
        Assert.Contains("--forward-mode=txonly", args);
        Assert.Contains("--eth-peer=0,02:00:00:00:00:07", args);
        Assert.Contains("--burst=64", args);
        Assert.Contains("--txpkts=64", args);
    }
}
