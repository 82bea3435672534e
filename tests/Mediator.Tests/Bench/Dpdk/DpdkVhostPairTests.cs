using Mediator.Bench.Dpdk;

namespace Mediator.Tests.Bench.Dpdk;

/// <summary>
/// DPDK's own vhost-user pair (net_vhost ↔ net_virtio_user) through the fixture: proves the fixture
/// reserves hugepages, runs and stops testpmd, parses its counters, and cleans up. Root only (CI runs as root).
/// </summary>
[Collection(DpdkCollection.Name)]
public sealed class DpdkVhostPairTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Direction.TowardsBackEnd)]
    [InlineData(Direction.FromBackEnd)]
    public void Every_frame_the_sender_transmitted_is_received_by_the_other_side(Direction direction)
    {
        if (TestPmd.MissingPrerequisite() is { } reason)
        {
            Assert.Skip(reason);
        }
        long nrBefore = long.Parse(File.ReadAllText(HugepageReservation.NrHugepagesPath).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        bool mountedBefore = HugepageReservation.IsHugetlbfsMounted(HugepageReservation.DefaultMountPoint);

        PairRun run;
        using (HugepageReservation.Reserve(512))
        {
            Assert.True(HugepageReservation.IsHugetlbfsMounted(HugepageReservation.DefaultMountPoint));
            Assert.True(HugepageReservation.Meminfo().Free >= 512);
            run = DpdkVhostPair.Run(direction, warmupSeconds: 0.5, measureSeconds: 1.5);
        }

        var (sent, received) = (run.Sent, run.Received);
        output.WriteLine($"{direction}: {run.Window.Mpps:0.00} Mpps over {run.Window.Seconds:0.00} s (sender {run.Window.Cores[0]:0.00} cores, receiver {run.Window.Cores[1]:0.00}); "
            + $"sender TX {sent.TxPackets} (refused by a full ring {sent.TxDropped}), receiver RX {received.RxPackets}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Assert.True(run.Window.Packets > 0, "frames moved in the measurement window");
        Assert.True(sent.TxPackets > run.Window.Packets);
        // This pair is DPDK on both sides: the fixture is what is under test (it started both, moved frames,
        // read both sides' counters). DPDK's own accounting is only bounded, not exact: the receiver's
        // forward statistics trail the sender's by what sits in virtio-user's two 256-entry rings (its
        // queue_size; --rxd does not change it) and in bursts between them (seen: 0-768; bounded here at
        // 1024) plus what it counts as dropped, and it never receives more than was sent.
        long behind = sent.TxPackets - received.RxPackets;
        output.WriteLine($"receiver behind the sender by {behind} frames, {received.RxDropped} counted dropped");
        Assert.InRange(behind, 0, 1024 + received.RxDropped);

        // Cleaned up: the kernel's hugepage count and the mount as before, no hugepage files or runtime
        // directories of this process's testpmds left.
        Assert.Equal(nrBefore, long.Parse(File.ReadAllText(HugepageReservation.NrHugepagesPath).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(mountedBefore, HugepageReservation.IsHugetlbfsMounted(HugepageReservation.DefaultMountPoint));
        string ours = $"mdt{Environment.ProcessId}x";
        if (mountedBefore)
        {
            Assert.Empty(Directory.GetFiles(HugepageReservation.DefaultMountPoint, ours + "*"));
        }
        Assert.False(Directory.Exists("/var/run/dpdk") && Directory.GetDirectories("/var/run/dpdk", ours + "*").Length > 0);
    }
}
