using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>The fill rules, through <see cref="RxRearm"/> (refusal) and <see cref="RxPath"/> (the refusal reaches the client's RX ring).</summary>
public sealed class FillValidationTests : IDisposable
{
    private const ulong Umem = 64 * 2048;
    private readonly MediationHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData(1ul, RequestStatus.Misaligned, QueueCounter.RefusedMisaligned)]
    [InlineData(2048ul + 1024, RequestStatus.Misaligned, QueueCounter.RefusedMisaligned)]
    [InlineData(Umem, RequestStatus.OffsetOutOfBounds, QueueCounter.RefusedOffsetOutOfBounds)]
    [InlineData(ulong.MaxValue - 2047, RequestStatus.OffsetOutOfBounds, QueueCounter.RefusedOffsetOutOfBounds)]
    public void Bad_fill_entry_comes_back_on_rx_with_its_status_and_length_zero(ulong offset, RequestStatus status, QueueCounter counter)
    {
        var a = _h.A;
        a.PostFill(offset);
        _h.Pump();

        var rx = Assert.Single(a.DrainRx());
        Assert.Equal(offset, rx.Offset);
        Assert.Equal(0u, rx.Length);
        Assert.Equal((ushort)status, rx.Status);
        Assert.Equal(1, a.Rearm(counter));
        Assert.Equal(1, a.Rearm(QueueCounter.FillRequests));
        Assert.Equal(1, a.Rearm(QueueCounter.FillRefused));
        Assert.Equal(0, a.Rearm(QueueCounter.RxArmed));
        Assert.Equal(0u, a.Session.RxArmed);
    }

    [Fact]
    public void Fill_naming_a_frame_in_flight_for_tx_is_refused()
    {
        var a = _h.A;
        ulong frame = a.FrameOffset(9);
        a.SubmitTx(frame, 60);
        TxPath.Run(a.Session, MediationHarness.Budget); // in flight, device not stepped
        a.PostFill(frame);
        RxRearm.Run(a.Session, MediationHarness.Budget);
        RxPath.Run(a.Session, MediationHarness.Budget, _h.Rearm);

        var rx = Assert.Single(a.DrainRx());
        Assert.Equal(frame, rx.Offset);
        Assert.Equal(0u, rx.Length);
        Assert.Equal((ushort)RequestStatus.FrameNotOwned, rx.Status);
        Assert.Equal(1, a.Rearm(QueueCounter.RefusedFrameNotOwned));
        Assert.Equal(0u, a.Session.RxArmed);
        Assert.True(a.Session.Ownership.IsRxFree(9)); // the re-arm worker backed off

        _h.Pump(); // the TX request still completes normally
        Assert.Equal((ushort)RequestStatus.Ok, Assert.Single(a.DrainCompletions()).Status);
    }

    [Fact]
    public void Same_frame_posted_twice_refuses_the_second()
    {
        var a = _h.A;
        ulong frame = a.FrameOffset(4);
        a.PostFill(frame);
        a.PostFill(frame);
        _h.Pump();

        var rx = Assert.Single(a.DrainRx());
        Assert.Equal((ushort)RequestStatus.FrameNotOwned, rx.Status);
        Assert.Equal(frame, rx.Offset);
        Assert.Equal(1u, a.Session.RxArmed);
        Assert.Equal(1, a.Rearm(QueueCounter.RefusedFrameNotOwned));
        Assert.Equal(1, a.Rearm(QueueCounter.RxArmed));
    }

    [Fact]
    public void Same_frame_posted_again_in_a_later_batch_is_refused_while_armed()
    {
        var a = _h.A;
        ulong frame = a.FrameOffset(4);
        a.PostFill(frame);
        _h.Pump();
        a.PostFill(frame);
        _h.Pump();

        var rx = Assert.Single(a.DrainRx());
        Assert.Equal((ushort)RequestStatus.FrameNotOwned, rx.Status);
        Assert.Equal(1u, a.Session.RxArmed);
    }
}
