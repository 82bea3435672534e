using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>Each TX rule, through the real <see cref="TxPath"/>: request in the ring → completion with the status, counted once, nothing posted.</summary>
public sealed class TxPathValidationTests : IDisposable
{
    private const ulong Umem = 64 * 2048;
    private readonly MediationHarness _h = new();

    public void Dispose() => _h.Dispose();

    public static TheoryData<ulong, uint, uint, RequestStatus, QueueCounter> Refusals => new()
    {
        { 0, 60, 1, RequestStatus.ReservedBitsSet, QueueCounter.RefusedReservedBitsSet },
        { 0, 60, 0xFFFF_FFFF, RequestStatus.ReservedBitsSet, QueueCounter.RefusedReservedBitsSet },
        { Umem, 60, 0, RequestStatus.OffsetOutOfBounds, QueueCounter.RefusedOffsetOutOfBounds },
        { ulong.MaxValue, 60, 0, RequestStatus.OffsetOutOfBounds, QueueCounter.RefusedOffsetOutOfBounds },
        { 0, 0, 0, RequestStatus.LengthZero, QueueCounter.RefusedLengthZero },
        { 0, 13, 0, RequestStatus.FrameTooShort, QueueCounter.RefusedFrameTooShort },
        { 0, MediationHarness.MaxFrameLength + 1, 0, RequestStatus.FrameTooLong, QueueCounter.RefusedFrameTooLong },
        { 2048 - 10, 20, 0, RequestStatus.CrossesFrameBoundary, QueueCounter.RefusedCrossesFrameBoundary },
        { Umem - 20, 21, 0, RequestStatus.CrossesFrameBoundary, QueueCounter.RefusedCrossesFrameBoundary },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Invalid_request_completes_once_with_its_status_and_is_never_posted(
        ulong offset, uint length, uint options, RequestStatus status, QueueCounter counter)
    {
        var a = _h.A;
        a.SubmitTx(offset, length, options);
        _h.Pump();

        var c = Assert.Single(a.DrainCompletions());
        Assert.Equal(offset, c.Offset);
        Assert.Equal(length, c.Length);
        Assert.Equal((ushort)status, c.Status);
        Assert.Equal(0, c.Reserved);
        Assert.Equal(1, a.DataPath(counter));
        Assert.Equal(1, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(1, a.DataPath(QueueCounter.TxRefused));
        Assert.Equal(0, a.DataPath(QueueCounter.TxAccepted));
        Assert.Equal(0u, a.Session.TxPosted);
        Assert.Equal(0, _h.DeviceTxFrames);
        AssertOnlyRefusalCounter(a, counter);
    }

    [Fact]
    public void Length_uint_max_at_the_last_byte_is_refused_without_overflow()
    {
        // offset + length wraps around 2^64 to a small number; the policy cap catches it first here,
        // the overflow-safe boundary rule behind it (see TxValidatorTests).
        var a = _h.A;
        a.SubmitTx(Umem - 1, uint.MaxValue);
        _h.Pump();
        var c = Assert.Single(a.DrainCompletions());
        Assert.NotEqual((ushort)RequestStatus.Ok, c.Status);
        Assert.Equal(1, a.DataPath(QueueCounter.TxRefused));
        Assert.Equal(0, _h.DeviceTxFrames);
    }

    [Fact]
    public void Same_frame_twice_in_one_batch_refuses_the_second()
    {
        var a = _h.A;
        ulong frame = a.FrameOffset(3);
        a.SubmitTx(frame, 60);
        a.SubmitTx(frame + 100, 60); // another span of the same frame
        TxPath.Run(a.Session, MediationHarness.Budget);

        var refused = Assert.Single(a.DrainCompletions()); // the refusal completes at once
        Assert.Equal(frame + 100, refused.Offset);
        Assert.Equal((ushort)RequestStatus.FrameNotOwned, refused.Status);
        Assert.Equal(1, a.DataPath(QueueCounter.RefusedFrameNotOwned));
        Assert.Equal(1u, a.Session.TxPosted);

        _h.Pump();
        var sent = Assert.Single(a.DrainCompletions());
        Assert.Equal(frame, sent.Offset);
        Assert.Equal((ushort)RequestStatus.Ok, sent.Status);
        Assert.Equal(1, _h.DeviceTxFrames);
    }

    [Fact]
    public void Frame_in_flight_from_an_earlier_round_is_refused_until_it_completes()
    {
        var a = _h.A;
        ulong frame = a.FrameOffset(5);
        a.SubmitTx(frame, 60);
        TxPath.Run(a.Session, MediationHarness.Budget); // posted; the device has not run
        Assert.Equal(1u, a.Session.TxPosted - a.Session.TxCleaned);

        a.SubmitTx(frame, 60);
        TxPath.Run(a.Session, MediationHarness.Budget);
        var refused = Assert.Single(a.DrainCompletions());
        Assert.Equal((ushort)RequestStatus.FrameNotOwned, refused.Status);
        Assert.Equal(1, a.DataPath(QueueCounter.RefusedFrameNotOwned));

        _h.Pump();
        Assert.Equal((ushort)RequestStatus.Ok, Assert.Single(a.DrainCompletions()).Status);

        // Completed: the frame is the client's again.
        a.SubmitTx(frame, 60);
        _h.Pump();
        Assert.Equal((ushort)RequestStatus.Ok, Assert.Single(a.DrainCompletions()).Status);
        Assert.Equal(2, _h.DeviceTxFrames);
        Assert.Equal(1, a.DataPath(QueueCounter.RefusedFrameNotOwned));
    }

    [Fact]
    public void Frame_armed_for_receive_is_refused_for_transmit_and_stays_armed()
    {
        var a = _h.A;
        ulong frame = a.FrameOffset(7);
        a.PostFill(frame);
        RxRearm.Run(a.Session, MediationHarness.Budget);
        Assert.Equal(1, a.Rearm(QueueCounter.RxArmed));

        a.SubmitTx(frame, 60);
        _h.Pump();
        var c = Assert.Single(a.DrainCompletions());
        Assert.Equal((ushort)RequestStatus.FrameNotOwned, c.Status);
        Assert.Equal(1, a.DataPath(QueueCounter.RefusedFrameNotOwned));
        Assert.Equal(0, _h.DeviceTxFrames);
        Assert.True(a.Session.Ownership.IsTxFree(7)); // TX backed off its claim
        Assert.True(a.Session.Ownership.IsRxPosted(7)); // RX still holds it
    }

    private static void AssertOnlyRefusalCounter(HarnessQueue q, QueueCounter expected)
    {
        for (var c = QueueCounter.RefusedOffsetOutOfBounds; c <= QueueCounter.RefusedMisaligned; c++)
        {
            Assert.Equal(c == expected ? 1 : 0, q.DataPath(c));
        }
    }
}
