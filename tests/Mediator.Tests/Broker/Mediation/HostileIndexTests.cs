using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>Index lines the client writes are untrusted numbers: garbage stalls the client, never the broker.</summary>
public sealed unsafe class HostileIndexTests : IDisposable
{
    private readonly MediationHarness _h = new(); // rings of 16

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData(17u)]          // producer = consumer + size + 1
    [InlineData(0xFFFF_FFFFu)] // backwards by one
    [InlineData(0x8000_0000u)]
    public void Tx_producer_index_beyond_the_ring_takes_nothing_and_is_counted(uint hostile)
    {
        var a = _h.A;
        a.TxProducerIndex = hostile;
        Assert.Equal(0, TxPath.Run(a.Session, MediationHarness.Budget));
        Assert.Equal(1, a.DataPath(QueueCounter.RingIndexInvalid));
        Assert.Equal(0, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(0u, a.Session.TxRequests.Consumer);
        Assert.Empty(a.DrainCompletions());

        _h.Pump();
        Assert.Equal(0, a.DataPath(QueueCounter.TxRequests));
        Assert.True(a.DataPath(QueueCounter.RingIndexInvalid) >= 1);

        // Sane again: the client's own producer republishes its index with the next submit.
        a.SubmitTx(a.FrameOffset(1), 60);
        _h.Pump();
        var c = Assert.Single(a.DrainCompletions());
        Assert.Equal((ushort)RequestStatus.Ok, c.Status);
        Assert.Equal(1, a.DataPath(QueueCounter.TxRequests));
    }

    [Fact]
    public void Tx_producer_index_moved_backwards_after_traffic_takes_nothing()
    {
        var a = _h.A;
        for (uint f = 0; f < 4; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();
        Assert.Equal(4, a.DrainCompletions().Count);
        Assert.Equal(4u, a.Session.TxRequests.Consumer);

        a.TxProducerIndex = 3; // behind the broker's consumer
        _h.Pump();
        Assert.Equal(4, a.DataPath(QueueCounter.TxRequests));
        Assert.True(a.DataPath(QueueCounter.RingIndexInvalid) >= 1);
        Assert.Empty(a.DrainCompletions());

        a.TxProducerIndex = a.Tx.Producer; // the honest value
        a.SubmitTx(a.FrameOffset(9), 60);
        _h.Pump();
        Assert.Equal((ushort)RequestStatus.Ok, Assert.Single(a.DrainCompletions()).Status);
    }

    [Fact]
    public void Garbage_completion_consumer_index_makes_the_ring_look_full()
    {
        var a = _h.A;
        for (uint f = 0; f < 16; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();
        Assert.Equal(16u, a.Session.Completions.Producer);

        a.CompletionConsumerIndex = 0xDEAD_BEEF;
        for (uint f = 16; f < 20; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();
        Assert.Equal(16u, a.Session.Completions.Producer); // nothing written past the client's real position
        Assert.Equal(16, a.DataPath(QueueCounter.TxRequests));
        Assert.True(a.Session.Completions.InvalidConsumerIndex >= 1);

        a.CompletionConsumerIndex = 0; // sane again; the client reads everything
        Assert.Equal(16, a.DrainCompletions().Count);
        _h.Pump();
        Assert.Equal(4, a.DrainCompletions().Count);
        Assert.Equal(20, a.DataPath(QueueCounter.TxSent));
    }

    [Fact]
    public void Completion_consumer_moved_backwards_never_makes_the_broker_overfill_the_ring()
    {
        var a = _h.A;
        for (uint f = 0; f < 8; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        TxPath.Run(a.Session, MediationHarness.Budget); // 8 at the device, 8 completion slots promised
        Assert.Equal(8u, a.Session.TxPosted);

        // The client moves its consumer index backwards (claims to have consumed 16 less than it
        // had). A consumer only moves forwards, so the broker's ring refuses the value and keeps the
        // last index it accepted (0): it never writes more than 16 entries past that.
        a.CompletionConsumerIndex = 0xFFFF_FFF0; // 0 - 16
        for (int i = 0; i < 8; i++)
        {
            a.SubmitTx(0, 0); // refusals need completion slots too
        }
        for (int round = 0; round < 4; round++)
        {
            _h.Device.Step((int)MediationHarness.Budget);
            TxPath.Run(a.Session, MediationHarness.Budget);
            uint outstanding = a.Session.Completions.Producer - 0u; // relative to the last index the broker accepted
            Assert.True(outstanding <= 16, $"broker published {outstanding} completions into a ring of 16");
        }
        Assert.True(a.Session.Completions.InvalidConsumerIndex > 0);

        // Honest again: everything owed arrives, once.
        a.CompletionConsumerIndex = 0;
        _h.Pump();
        var all = a.DrainCompletions();
        Assert.Equal(16, all.Count);
        Assert.Equal(8, all.Count(c => c.Status == (ushort)RequestStatus.Ok));
        Assert.Equal(8, all.Count(c => c.Status == (ushort)RequestStatus.LengthZero));
    }

    [Theory]
    [InlineData(17u)]
    [InlineData(0xFFFF_FFFFu)]
    public void Fill_producer_index_beyond_the_ring_arms_nothing_and_is_counted(uint hostile)
    {
        var a = _h.A;
        *(uint*)(a.ClientArea + QueueLayout.FillProducer) = hostile;
        Assert.Equal(0, RxRearm.Run(a.Session, MediationHarness.Budget));
        Assert.Equal(0u, a.Session.RxArmed);
        Assert.Equal(0, a.Rearm(QueueCounter.FillRequests));
        var sum = new ulong[(int)QueueCounter.Count];
        a.Session.AddCountersTo(sum);
        Assert.Equal(1ul, sum[(int)QueueCounter.RingIndexInvalid]);

        *(uint*)(a.ClientArea + QueueLayout.FillProducer) = a.Fill.Producer;
        a.PostFill(a.FrameOffset(2));
        _h.Pump();
        Assert.Equal(1u, a.Session.RxArmed);
    }

    [Fact]
    public void Garbage_rx_consumer_index_stalls_delivery_without_losing_frames()
    {
        var geometry = MediationHarness.SmallGeometry;
        geometry.RxSize = 16;
        using var h = new MediationHarness(sessions: 2, geometry);
        HarnessQueue a = h.A, b = h.B;

        // Round 1: 15 frames (the device RX ring holds 15 armed) land in B's RX ring; B does not read.
        SendRound(h, firstFrame: 0);
        Assert.Equal(15u, b.Session.Rx.Producer);

        // B claims a consumer position that makes no sense, then lends the same buffers again
        // (delivered frames are the client's, so that is allowed) and A sends 15 more.
        b.RxConsumerIndex = 0x1234_5678;
        SendRound(h, firstFrame: 0);
        Assert.Equal(16u, b.Session.Rx.Producer); // the one slot the last sane view left, no more
        Assert.True(b.Session.Rx.InvalidConsumerIndex >= 1);
        Assert.Equal(16, b.DataPath(QueueCounter.RxDelivered));

        // Sane again: the 14 frames still at the device arrive; none was lost.
        b.RxConsumerIndex = 0;
        Assert.Equal(16, b.DrainRx().Count);
        h.Pump();
        var rest = b.DrainRx();
        Assert.Equal(14, rest.Count);
        Assert.All(rest, e => Assert.Equal((ushort)RequestStatus.Ok, e.Status));
        Assert.Equal(30, b.DataPath(QueueCounter.RxDelivered));
        Assert.Equal(0, h.Port.Statistics.NoDescriptorDrops);
        Assert.Equal(0, h.Device.Audit.Violations);
        Assert.Equal(30, a.DataPath(QueueCounter.TxSent));
    }

    private static void SendRound(MediationHarness h, uint firstFrame)
    {
        HarnessQueue a = h.A, b = h.B;
        for (uint f = firstFrame; f < firstFrame + 15; f++)
        {
            b.PostFill(b.FrameOffset(f));
        }
        h.Pump();
        for (uint f = 0; f < 15; f++)
        {
            a.WriteFrame(a.FrameOffset(f), b.Mac, 100, (byte)f);
            a.SubmitTx(a.FrameOffset(f), 100);
        }
        h.Pump();
        Assert.Equal(15, a.DrainCompletions().Count(c => c.Status == (ushort)RequestStatus.Ok));
    }
}
