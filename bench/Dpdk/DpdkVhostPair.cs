namespace Mediator.Bench.Dpdk;

/// <summary>What one run of a testpmd pair (or testpmd against the broker) measured and printed.</summary>
/// <param name="Window">The measurement window, counted at the receiver.</param>
/// <param name="Sent">The sender's forward statistics: forwarding stopped, connection still up.</param>
/// <param name="Received">The receiver's forward statistics, taken after the sender stopped and the receiver drained.</param>
public sealed record PairRun(Direction Direction, RateWindow Window, ForwardStatistics Sent, ForwardStatistics Received);

/// <summary>
/// DPDK's own vhost-user pair, the reference the mediated path is compared with: one testpmd with the
/// <c>net_vhost</c> back end (the trusted side) and one with <c>net_virtio_user</c> (the untrusted
/// side) on one socket, one forwarding core each (back end on CPU 0, front end on CPU 1), 64-byte
/// frames, burst 64. One side runs txonly, the other rxonly; the receiver's counter gives the rate.
/// </summary>
public static class DpdkVhostPair
{
    public const int BackEndCpu = 0;
    public const int FrontEndCpu = 1;

    /// <summary>
    /// Runs one direction: starts the back end, then the front end, waits until frames arrive, warms
    /// up, measures, then stops the sender first (so the receiver drains what is in flight) and the
    /// receiver second. The caller holds a <see cref="HugepageReservation"/>.
    /// </summary>
    public static PairRun Run(Direction direction, double warmupSeconds, double measureSeconds, int frameSize = 64, int burst = 64)
    {
        string socket = Path.Combine(Path.GetTempPath(), $"mdvh-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32] + ".sock");
        bool towards = direction == Direction.TowardsBackEnd;
        var lifetime = TimeSpan.FromSeconds(warmupSeconds + measureSeconds + 60);
        TestPmd? backEnd = null, frontEnd = null;
        try
        {
            backEnd = TestPmd.Start(new TestPmdOptions
            {
                Vdev = $"net_vhost0,iface={socket},queues=1",
                ForwardMode = towards ? "rxonly" : "txonly",
                ForwardingCpu = BackEndCpu, MainCpu = FrontEndCpu, FrameSize = frameSize, Burst = burst,
            }, lifetime);
            if (!WaitForFile(socket, TimeSpan.FromSeconds(30), backEnd))
            {
                throw new TimeoutException($"net_vhost did not create {socket}:\n{backEnd.Tail()}");
            }
            frontEnd = TestPmd.Start(new TestPmdOptions
            {
                Vdev = $"net_virtio_user0,path={socket},queues=1",
                ForwardMode = towards ? "txonly" : "rxonly",
                ForwardingCpu = FrontEndCpu, MainCpu = BackEndCpu, FrameSize = frameSize, Burst = burst,
            }, lifetime);
            var (sender, receiver) = towards ? (frontEnd, backEnd) : (backEnd, frontEnd);
            WaitForFrames(receiver, sender, TimeSpan.FromSeconds(30));
            Thread.Sleep(TimeSpan.FromSeconds(warmupSeconds));
            var window = RateWindow.Measure(receiver, n => n.RxPackets, [sender.Pid, receiver.Pid], measureSeconds);
            var timeout = TimeSpan.FromSeconds(20);
            var sent = sender.StopForwarding(timeout);
            // Both ports stay up: the receiver, still polling, drains what is in flight (one ring at most,
            // microseconds); a statistics round trip is far longer than that.
            receiver.ShowPortStats(timeout);
            var received = receiver.StopForwarding(timeout);
            frontEnd.Quit(timeout);
            backEnd.Quit(timeout);
            return new PairRun(direction, window, sent, received);
        }
        finally
        {
            frontEnd?.Dispose();
            backEnd?.Dispose();
            File.Delete(socket);
        }
    }

    /// <summary>Asks <paramref name="receiver"/> for its statistics until frames have arrived; throws with both sides' output on timeout.</summary>
    public static void WaitForFrames(TestPmd receiver, TestPmd? sender, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (receiver.ShowPortStats(TimeSpan.FromSeconds(10)).RxPackets == 0)
        {
            if (DateTime.UtcNow > end || receiver.HasExited || sender is { HasExited: true })
            {
                throw new TimeoutException($"no frames arrived in {timeout.TotalSeconds} s.\nsender:\n{sender?.Tail()}\nreceiver:\n{receiver.Tail()}");
            }
            Thread.Sleep(100); // polling a condition with a deadline; the link comes up in well under a second
        }
    }

    /// <summary>Waits for <paramref name="path"/> to appear; false on timeout or when <paramref name="owner"/> exits first.</summary>
    public static bool WaitForFile(string path, TimeSpan timeout, TestPmd? owner = null)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (File.Exists(path))
            {
                return true;
            }
            if (owner is { HasExited: true })
            {
                return false;
            }
            // A condition with a deadline: testpmd creates the socket during EAL start-up, in ~0.1-1 s.
            Thread.Sleep(20);
        }
        return false;
    }
}
