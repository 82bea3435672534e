using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>Closing a queue with frames in flight and buffers armed: every request accounted, no DMA into freed memory.</summary>
public sealed class QueueTeardownTests : IDisposable
{
    private readonly MediationHarness _h = new(sessions: 2);

    public void Dispose() => _h.Dispose();

    /// <summary>A has 4 frames posted at the device (not yet sent) and 8 RX buffers armed; B has 8 armed.</summary>
    private void Busy()
    {
        HarnessQueue a = _h.A, b = _h.B;
        for (uint f = 0; f < 8; f++)
        {
            a.PostFill(a.FrameOffset(32 + f));
            b.PostFill(b.FrameOffset(f));
        }
        _h.Pump();
        for (uint f = 0; f < 4; f++)
        {
            a.WriteFrame(a.FrameOffset(f), b.Mac, 200, (byte)f);
            a.SubmitTx(a.FrameOffset(f), 200);
        }
        TxPath.Run(a.Session, MediationHarness.Budget);
        Assert.Equal(4u, a.Session.TxPosted - a.Session.TxCleaned);
        Assert.Equal(8u, a.Session.RxArmed - a.Session.RxCleaned);
    }

    [Fact]
    public void Teardown_with_an_inline_device_drains_the_frames_in_flight()
    {
        Busy();
        HarnessQueue a = _h.A, b = _h.B;
        _h.Teardown(a, TimeSpan.FromSeconds(5), () => _h.Device.Step((int)MediationHarness.Budget));

        Assert.Equal(4, a.DataPath(QueueCounter.TxSent));
        Assert.Equal(0, a.DataPath(QueueCounter.Cancelled));
        AssertQueueDisabled(0);
        _h.Pump();
        Assert.Equal(4, b.DrainRx().Count);
        AssertStrayTrafficDoesNoDma();
    }

    [Fact]
    public void Teardown_past_its_deadline_cancels_what_the_device_still_holds()
    {
        Busy();
        HarnessQueue a = _h.A;
        _h.Teardown(a, TimeSpan.Zero, stepDevice: null); // nobody steps the device: nothing can finish

        Assert.Equal(4, a.DataPath(QueueCounter.Cancelled));
        Assert.Equal(0, a.DataPath(QueueCounter.TxSent));
        Assert.Equal(a.DataPath(QueueCounter.TxAccepted), a.DataPath(QueueCounter.TxSent) + a.DataPath(QueueCounter.Cancelled));
        AssertQueueDisabled(0);
        _h.Device.Step((int)MediationHarness.Budget);
        Assert.Equal(0, _h.Port.Statistics.TxFrames); // the posted frames never left, even on a later step
        AssertStrayTrafficDoesNoDma();
    }

    [Fact]
    public void Closing_queue_takes_no_new_requests_or_fill_entries()
    {
        HarnessQueue a = _h.A;
        a.Session.Closing = true;
        a.SubmitTx(a.FrameOffset(0), 60);
        a.PostFill(a.FrameOffset(1));
        Assert.Equal(0, TxPath.Run(a.Session, MediationHarness.Budget));
        Assert.Equal(0, RxRearm.Run(a.Session, MediationHarness.Budget));
        Assert.Equal(0, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(0, a.Rearm(QueueCounter.FillRequests));
    }

    private void AssertQueueDisabled(int queue)
    {
        Assert.Equal(0u, _h.Port.ReadRegister(Registers.TXDCTL(queue)) & Registers.QueueEnable);
        Assert.Equal(0u, _h.Port.ReadRegister(Registers.RXDCTL(queue)) & Registers.QueueEnable);
    }

    /// <summary>B keeps sending to A's old MAC and the device keeps stepping: nothing reaches A's freed UMEM or rings.</summary>
    private void AssertStrayTrafficDoesNoDma()
    {
        HarnessQueue a = _h.A, b = _h.B;
        var audit = _h.Device.Audit;
        long faults = audit.Faults, violations = audit.Violations;
        long writes = audit.Writes;
        long rxFrames = _h.Port.Statistics.RxFrames;
        for (uint f = 0; f < 4; f++)
        {
            b.WriteFrame(b.FrameOffset(40 + f), a.Mac, 120, (byte)f);
            b.SubmitTx(b.FrameOffset(40 + f), 120);
        }
        _h.Pump();
        for (int i = 0; i < 8; i++)
        {
            _h.Device.Step((int)MediationHarness.Budget);
        }
        Assert.Equal(4, b.DrainCompletions().Count(c => c.Status == (ushort)RequestStatus.Ok));
        Assert.Equal(faults, audit.Faults);
        Assert.Equal(violations, audit.Violations);
        Assert.Equal(rxFrames, _h.Port.Statistics.RxFrames); // none delivered anywhere
        Assert.True(_h.Port.Statistics.UnknownDestinationDrops >= 4);
        // B's four TX descriptors were read and written back; nothing else (no RX buffer writes).
        Assert.Equal(writes + 4, audit.Writes);
        Assert.True(_h.Device.CanaryIntact());
    }
}
