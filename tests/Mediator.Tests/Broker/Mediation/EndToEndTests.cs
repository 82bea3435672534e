using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>Session A sends to session B's MAC over the loopback wire, all in process.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly MediationHarness _h = new(sessions: 2);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Frames_from_a_arrive_at_b_byte_identical_in_order_and_the_audit_stays_clean()
    {
        HarnessQueue a = _h.A, b = _h.B;
        for (uint f = 0; f < 8; f++)
        {
            b.PostFill(b.FrameOffset(f));
        }
        _h.Pump();
        Assert.Equal(8, b.Rearm(QueueCounter.RxArmed));

        var sent = new List<byte[]>();
        int[] lengths = [60, 64, 128, 333, 1000, 1514, 14, 700];
        for (uint i = 0; i < 8; i++)
        {
            ulong offset = a.FrameOffset(20 + i) + (i % 2 == 0 ? 0u : 64u); // some start mid-frame
            sent.Add(a.WriteFrame(offset, b.Mac, lengths[i], (byte)i));
            a.SubmitTx(offset, (uint)lengths[i]);
        }
        _h.Pump();

        var received = b.DrainRx();
        Assert.Equal(8, received.Count);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal((ushort)RequestStatus.Ok, received[i].Status);
            Assert.Equal(b.FrameOffset((uint)i), received[i].Offset); // buffers in fill order
            Assert.Equal((uint)sent[i].Length, received[i].Length);
            Assert.Equal(sent[i], b.UmemSpan(received[i].Offset, (int)received[i].Length).ToArray());
        }
        Assert.All(a.DrainCompletions(), c => Assert.Equal((ushort)RequestStatus.Ok, c.Status));
        Assert.Empty(a.DrainRx());

        for (uint f = 0; f < 64; f++)
        {
            Assert.True(a.Session.Ownership.IsTxFree(f));
            Assert.True(b.Session.Ownership.IsRxFree(f));
        }
        Assert.Equal(8, b.DataPath(QueueCounter.RxDelivered));
        Assert.Equal(lengths.Sum(), b.DataPath(QueueCounter.RxBytes));
        Assert.Equal(b.Session.RxArmed, b.Session.RxCleaned);
        Assert.Equal(0, _h.Device.Audit.Violations);
        Assert.Equal(0, _h.Device.Audit.Faults);
        Assert.True(_h.Device.CanaryIntact());
    }

    [Fact]
    public void Received_buffers_reposted_carry_traffic_round_after_round_across_ring_wrap()
    {
        HarnessQueue a = _h.A, b = _h.B;
        for (uint f = 0; f < 8; f++)
        {
            b.PostFill(b.FrameOffset(f));
        }
        _h.Pump(); // armed before anything is sent (the device has no holding FIFO)
        int total = 0;
        for (int round = 0; round < 6; round++)
        {
            var sent = new List<byte[]>();
            for (uint i = 0; i < 8; i++)
            {
                ulong offset = a.FrameOffset(i);
                sent.Add(a.WriteFrame(offset, b.Mac, 60 + round * 100 + (int)i, (byte)(round * 8 + i)));
                a.SubmitTx(offset, (uint)sent[^1].Length);
            }
            _h.Pump();
            Assert.Equal(8, a.DrainCompletions().Count(c => c.Status == (ushort)RequestStatus.Ok));
            var received = b.DrainRx();
            Assert.Equal(8, received.Count);
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(sent[i], b.UmemSpan(received[i].Offset, (int)received[i].Length).ToArray());
                b.PostFill(received[i].Offset); // lend the buffer back
            }
            _h.Pump();
            total += 8;
        }
        Assert.Equal(total, b.DataPath(QueueCounter.RxDelivered));
        Assert.Equal(0, b.Rearm(QueueCounter.FillRefused));
        Assert.Equal(0, _h.Port.Statistics.NoDescriptorDrops);
        Assert.Equal(0, _h.Device.Audit.Violations);
        Assert.True(_h.Device.CanaryIntact());
    }
}
