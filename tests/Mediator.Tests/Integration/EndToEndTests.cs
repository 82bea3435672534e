using Mediator.Abi;
using Mediator.Cli;
using Mediator.Cli.Traffic;
using Mediator.Control;

namespace Mediator.Tests.Integration;

/// <summary>
/// The product end to end: a broker process and two client processes (pktgen and sink) exchanging
/// frames through the device model's loopback wire. Every test runs with both RX re-arm threadings
/// (<c>Broker:RxRearm</c>): the parallel re-arm worker and re-arm inline in the data path.
/// </summary>
public sealed class EndToEndTests
{
    public static TheoryData<string> RearmModes => ["Parallel", "Inline"];

    [Theory]
    [MemberData(nameof(RearmModes))]
    public void Every_frame_arrives_intact_and_in_order_between_two_client_processes(string rearm)
    {
        const int frames = 30_000;
        using var broker = BrokerProcess.Start($"--Broker:RxRearm={rearm}");
        using var sink = ChildProcess.StartSelf("sink", "--socket", broker.SocketPath, "--count", frames.ToString(), "--duration", "60");
        string mac = sink.WaitForLine("READY ", TimeSpan.FromSeconds(30)) ?? throw new TimeoutException("sink did not start");
        // Paced well below what the machine sustains, with the sink's 8192-deep RX ring: no frame needs
        // to be dropped for lack of a buffer, so every one must arrive.
        using var gen = ChildProcess.StartSelf("pktgen", "--socket", broker.SocketPath, "--dst", mac, "--count", frames.ToString(),
            "--rate", "25000", "--size", "128", "--batch", "32");

        var genReport = RunReport.TryParse(RunReport.Prefix + (gen.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(60)) ?? throw new TimeoutException("pktgen report")))!;
        var sinkReport = RunReport.TryParse(RunReport.Prefix + (sink.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(60)) ?? throw new TimeoutException("sink report")))!;
        Assert.True(gen.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, gen.ExitCode);

        Assert.Equal(frames, genReport.Sent);
        Assert.Equal(frames, genReport.Completed);
        Assert.Equal(0, genReport.Refused);
        Assert.Equal(frames, sinkReport.Received);
        Assert.Equal(frames, sinkReport.Verified);
        Assert.Equal(0, sinkReport.Corrupt);
        Assert.Equal(0, sinkReport.OutOfOrder);
        Assert.Equal(0, sinkReport.Gaps);
        Assert.Equal(frames - 1, sinkReport.LastSequence);

        var stats = broker.Stats();
        Assert.Equal((ulong)frames, stats[QueueCounter.TxSent]);
        Assert.Equal(0UL, stats[QueueCounter.TxRefused]);
        Assert.True(stats[QueueCounter.RxDelivered] >= frames);
        Assert.Equal(0UL, stats[QueueCounter.DmaViolations]);
        Assert.Equal(0UL, stats[QueueCounter.DmaFaults]);
        Assert.Equal(1UL, stats[QueueCounter.CanaryIntact]);
    }

    [Theory]
    [MemberData(nameof(RearmModes))]
    public void Unpaced_traffic_accounts_for_every_frame_sent_or_dropped_with_a_reason(string rearm)
    {
        using var broker = BrokerProcess.Start($"--Broker:RxRearm={rearm}");
        using var sink = ChildProcess.StartSelf("sink", "--socket", broker.SocketPath, "--idle-exit", "1", "--duration", "60");
        string mac = sink.WaitForLine("READY ", TimeSpan.FromSeconds(30)) ?? throw new TimeoutException("sink did not start");
        using var gen = ChildProcess.StartSelf("pktgen", "--socket", broker.SocketPath, "--dst", mac, "--duration", "1.5", "--batch", "64");
        var genReport = RunReport.TryParse(RunReport.Prefix + (gen.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(60)) ?? throw new TimeoutException("pktgen report")))!;
        var sinkReport = RunReport.TryParse(RunReport.Prefix + (sink.WaitForLine(RunReport.Prefix, TimeSpan.FromSeconds(60)) ?? throw new TimeoutException("sink report")))!;
        var stats = broker.Stats();

        Assert.True(genReport.Sent > 0);
        Assert.Equal(genReport.Sent, genReport.Completed + genReport.Refused);
        Assert.Equal(sinkReport.Received, sinkReport.Verified);
        Assert.Equal(0, sinkReport.OutOfOrder);
        // Nothing vanishes: what the sink did not get, the device counted as dropped for want of a buffer.
        Assert.Equal((ulong)genReport.Sent, (ulong)sinkReport.Received + stats[QueueCounter.RxNoBuffer]);
        Assert.Equal(0UL, stats[QueueCounter.DmaViolations]);
    }

    [Theory]
    [MemberData(nameof(RearmModes))]
    public void Bad_fill_entries_come_back_on_rx_with_their_reason_and_are_counted(string rearm)
    {
        using var broker = BrokerProcess.Start($"--Broker:RxRearm={rearm}");
        using var client = broker.Connect();
        using var queue = client.OpenQueue();
        Assert.True(queue.Frames.TryAllocate(out ulong fresh));
        ulong[] offsets = [1, queue.Geometry.UmemSize, fresh, fresh]; // misaligned, beyond the UMEM, good, the same frame again
        Assert.Equal(4u, queue.ReserveFill(4, out uint fill));
        for (uint i = 0; i < 4; i++)
        {
            queue.FillSlot(fill + i).Offset = offsets[i];
        }
        queue.SubmitFill(4);

        var refused = new List<Completion>();
        var end = DateTime.UtcNow.AddSeconds(10);
        while (refused.Count < 3 && DateTime.UtcNow < end)
        {
            queue.WaitForRx(TimeSpan.FromMilliseconds(100));
            uint n = queue.PeekRx(16, out uint index);
            for (uint i = 0; i < n; i++)
            {
                refused.Add(queue.RxAt(index + i));
            }
            queue.ReleaseRx(n);
        }

        Assert.Equal([1, queue.Geometry.UmemSize, fresh], refused.Select(c => c.Offset));
        Assert.Equal([(ushort)RequestStatus.Misaligned, (ushort)RequestStatus.OffsetOutOfBounds, (ushort)RequestStatus.FrameNotOwned], refused.Select(c => c.Status));
        Assert.All(refused, c => Assert.Equal(0u, c.Length));
        var stats = broker.Stats();
        Assert.Equal(3UL, stats[QueueCounter.FillRefused]);
        Assert.Equal(1UL, stats[QueueCounter.RefusedMisaligned]);
        Assert.Equal(1UL, stats[QueueCounter.RefusedOffsetOutOfBounds]);
        Assert.Equal(1UL, stats[QueueCounter.RefusedFrameNotOwned]);
    }
}
