using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>A device queue handed to a new client after a teardown the device did not step through (device on its own thread).</summary>
public sealed unsafe class QueueReuseTests : IDisposable
{
    private readonly MediationHarness _h = new(sessions: 2);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Reopened_queue_uses_its_new_rings_after_an_inline_teardown() =>
        ReopenAfterTeardown(stepDevice: () => _h.Device.Step((int)MediationHarness.Budget));

    // Found while writing these tests: the device latched TDBAL/TDLEN only on a TXDCTL.ENABLE 0->1
    // edge it observed, so a teardown without an inline step (device on its own thread, asleep) let
    // the next client's QueueDriver re-enable the queue before the device saw the disable; the device
    // then walked the OLD ring address from its OLD head (13 DMA violations into another client's
    // UMEM). Fixed in the device model: a queue whose ring registers were reprogrammed while it looked
    // enabled is latched again (TxQueue/RxQueue.Reprogrammed).
    [Fact]
    public void Reopened_queue_uses_its_new_rings_even_if_the_device_never_saw_the_disable() =>
        ReopenAfterTeardown(stepDevice: null);

    private void ReopenAfterTeardown(Action? stepDevice)
    {
        HarnessQueue a = _h.A, b = _h.B;
        for (uint f = 0; f < 4; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump(); // the device latched queue 0's TX ring
        Assert.Equal(4, a.DrainCompletions().Count);

        // Without an inline step the device thread may be asleep between the disable and the next
        // client's open of the same queue (the pool hands out the lowest free queue).
        _h.Teardown(a, TimeSpan.Zero, stepDevice);
        // Meanwhile someone else's memory lands where the old rings were on the bus.
        using var other = MappedMemory.Anonymous(64 * 1024);
        new Span<byte>(other.Pointer, 64 * 1024).Fill(0xA5);
        BusRegion stranger = _h.Device.Bus.Map("stranger umem", RegionKind.ClientUmem, other.Pointer, other.Length, ownerTag: 4242);
        try
        {
            HarnessQueue c = _h.Reopen(a, clientId: 7);
            for (uint f = 0; f < 4; f++)
            {
                b.PostFill(b.FrameOffset(f));
            }
            _h.Pump();
            byte[] frame = c.WriteFrame(c.FrameOffset(1), b.Mac, 90, 3);
            c.SubmitTx(c.FrameOffset(1), 90);
            _h.Pump();

            Assert.Equal((ushort)RequestStatus.Ok, Assert.Single(c.DrainCompletions()).Status);
            var rx = Assert.Single(b.DrainRx());
            Assert.Equal(frame, b.UmemSpan(rx.Offset, (int)rx.Length).ToArray());
            Assert.Equal(0, DmaAudit.Stats(stranger).Reads);
            Assert.Equal(0, _h.Device.Audit.Violations);
            Assert.Equal(0, _h.Device.Audit.Faults);
            Assert.Equal(1, c.DataPath(QueueCounter.TxSent));
        }
        finally
        {
            _h.Device.Bus.Unmap(stranger);
        }
    }
}
