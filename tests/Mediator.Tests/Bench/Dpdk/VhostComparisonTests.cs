using Mediator.Bench.Dpdk;
using Mediator.Bench.Harness;

namespace Mediator.Tests.Bench.Dpdk;

public sealed class VhostComparisonTests
{
    private static readonly MachineInfo Machine = new() { Cores = 2, CpuMHz = 2000 };

    [Fact]
    public void A_window_becomes_a_row_with_the_trusted_side_in_the_broker_columns()
    {
        var window = new RateWindow(Seconds: 2, Packets: 20_000_000, Cores: [0.5, 1.0]);

        var row = VhostComparison.FromWindow(VhostComparison.Row(VhostComparison.Dpdk, VhostComparison.Towards, 0), window, Machine, trusted: 0, untrusted: [1]);

        Assert.Equal(10, row.Mpps, 6);
        Assert.Equal(10 * 64 * 8 / 1000.0, row.Gbps, 6);
        Assert.Equal(0.5, row.BrokerCores);
        Assert.Equal(50, row.BrokerNsPerPacket, 6);  // 0.5 core × 2 s / 20 M packets
        Assert.Equal(100, row.BrokerCyclesPerPacket, 6);
        Assert.Equal(100, row.ClientNsPerPacket, 6);
        Assert.Equal("TxOnly", row.Traffic);
        Assert.Equal(0, row.RxMpps);
    }

    [Fact]
    public void The_summary_divides_by_dpdk_per_direction_and_shows_why_a_row_did_not_run()
    {
        PointResult R(string mode, string point, double mpps) => VhostComparison.Row(mode, point, 0) with { Mpps = mpps, BrokerCores = 1, ClientCores = 1 };
        var run = new VhostComparisonRun
        {
            Settings = new VhostComparisonSettings(), Machine = Machine,
            Points =
            [
                R(VhostComparison.Dpdk, VhostComparison.Towards, 20),
                R(VhostComparison.Dpdk, VhostComparison.From, 10),
                R(VhostComparison.MediatorVhost, VhostComparison.Towards, 5),
                VhostComparison.Row(VhostComparison.MediatorVhost, VhostComparison.From, 0) with { Status = "failed: no frames arrived" },
                R(VhostComparison.MediatorLibrary, VhostComparison.Loop, 4),
            ],
        };

        string summary = VhostComparison.Summary(run);

        Assert.Contains("| towards the back end | mediator broker | testpmd virtio-user txonly | 5.00 |", summary, StringComparison.Ordinal);
        Assert.Contains("| 0.25 |", summary, StringComparison.Ordinal);              // 5 / 20
        Assert.Contains("| 0.40 (vs DPDK from) |", summary, StringComparison.Ordinal); // 4 / 10
        Assert.Contains("| failed: no frames arrived |", summary, StringComparison.Ordinal);
        Assert.Contains("## Failures", summary, StringComparison.Ordinal);
    }
}
