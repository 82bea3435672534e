using Mediator.Bench.Harness;

namespace Mediator.Bench.Dpdk;

public static partial class VhostComparison
{
    /// <summary>
    /// An unmodified testpmd (virtio-user) through the broker's vhost-user port. Towards: txonly into the
    /// null wire, counted at testpmd's TX (in steady state what its driver queued is what the broker took:
    /// the ring is bounded). From: rxonly, fed by the device's generator wire (the counterpart of net_vhost
    /// txonly), counted at testpmd's RX. No testpmd-only loop: a
    /// closed io loop decays with every counted drop, and flowgen ignores --eth-peer.
    /// </summary>
    private static PointResult RunMediatorVhost(string point, VhostComparisonSettings s, MachineInfo machine, int repeat)
    {
        var row = Row(MediatorVhost, point, repeat);
        try
        {
            using var broker = MediatorVhostBroker.Start(point == Towards ? "Null" : "Generator");
            var options = broker.TestPmd(point == Towards ? "txonly" : "rxonly");
            using var pmd = TestPmd.Start(options, TimeSpan.FromSeconds(s.Warmup + s.Measure + 60));
            int[] pids = [broker.Process.Pid, pmd.Pid];
            Func<NicStatistics, long> counter = point == Towards ? n => n.TxPackets : n => n.RxPackets;
            WaitForCounter(pmd, counter, TimeSpan.FromSeconds(30));
            Thread.Sleep(TimeSpan.FromSeconds(s.Warmup));
            var window = RateWindow.Measure(pmd, counter, pids, s.Measure);
            pmd.StopForwarding(TimeSpan.FromSeconds(20));
            pmd.Quit(TimeSpan.FromSeconds(20));
            return FromWindow(row, window, machine, trusted: 0, untrusted: [1]);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
        {
            return row with { Status = "failed: " + e.Message.ReplaceLineEndings(" ") };
        }
    }

    /// <summary>Asks testpmd for its statistics until <paramref name="counter"/> moves; throws with its output on timeout.</summary>
    public static void WaitForCounter(TestPmd pmd, Func<NicStatistics, long> counter, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (counter(pmd.ShowPortStats(TimeSpan.FromSeconds(10))) == 0)
        {
            if (DateTime.UtcNow > end || pmd.HasExited)
            {
                throw new TimeoutException($"testpmd's counter did not move in {timeout.TotalSeconds} s:\n{pmd.Tail()}");
            }
            Thread.Sleep(100); // a condition polled with a deadline; the link comes up in well under a second
        }
    }
}
