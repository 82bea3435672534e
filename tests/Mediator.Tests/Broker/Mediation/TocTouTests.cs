using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>Requests are fetched once: rewriting a ring slot after the broker read it changes nothing.</summary>
public sealed class TocTouTests : IDisposable
{
    private readonly MediationHarness _h = new(sessions: 2);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Rewriting_a_tx_slot_after_intake_changes_neither_the_descriptor_nor_the_frame_sent()
    {
        HarnessQueue a = _h.A, b = _h.B;
        b.PostFill(b.FrameOffset(0));
        _h.Pump();

        ulong offset = a.FrameOffset(2) + 8;
        byte[] frame = a.WriteFrame(offset, b.Mac, 100, 42);
        a.Tx.Reserve(1, out uint index);
        a.SubmitTx(offset, 100);
        TxPath.Run(a.Session, MediationHarness.Budget); // copied, validated, posted; the device has not run

        // The client now rewrites the slot into something that would never have passed.
        ref TxRequest slot = ref a.TxSlot(index);
        slot.Offset = ulong.MaxValue - 7;
        slot.Length = 60_000;
        slot.Options = 0xFFFF;

        TxDescriptor d = _h.ReadDeviceTxDescriptor(a, 0);
        Assert.Equal(a.Session.Driver.UmemBusAddress + offset, d.BufferAddress);
        Assert.Equal(100u, d.CmdTypeLen & TxDescriptor.LengthMask);

        _h.Pump();
        var rx = Assert.Single(b.DrainRx());
        Assert.Equal(100u, rx.Length);
        Assert.Equal(frame, b.UmemSpan(rx.Offset, 100).ToArray());
        var c = Assert.Single(a.DrainCompletions());
        Assert.Equal(offset, c.Offset); // echoed from the private copy
        Assert.Equal(100u, c.Length);
        Assert.Equal((ushort)RequestStatus.Ok, c.Status);
        Assert.Equal(0, _h.Device.Audit.Violations);
        Assert.Equal(0, _h.Device.Audit.Faults);
    }

    [Fact]
    public void Rewriting_a_fill_slot_after_rearm_does_not_move_the_armed_buffer()
    {
        HarnessQueue a = _h.A, b = _h.B;
        b.Fill.Reserve(1, out uint index);
        b.PostFill(b.FrameOffset(3));
        RxRearm.Run(b.Session, MediationHarness.Budget);
        b.Fill[index].Offset = 0; // hostile rewrite to another frame (the broker's copy says frame 3)

        byte[] frame = a.WriteFrame(a.FrameOffset(0), b.Mac, 80, 9);
        a.SubmitTx(a.FrameOffset(0), 80);
        _h.Pump();

        var rx = Assert.Single(b.DrainRx());
        Assert.Equal(b.FrameOffset(3), rx.Offset);
        Assert.Equal(frame, b.UmemSpan(b.FrameOffset(3), 80).ToArray());
        Assert.True(b.Session.Ownership.IsRxFree(3));
        Assert.True(b.Session.Ownership.IsRxFree(0));
    }
}
