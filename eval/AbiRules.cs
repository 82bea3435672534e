using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Eval;

/// <summary>
/// The validation rules of docs/abi.md §6.1, written again from the document (not shared with the
/// broker's code), so an attack can say which refusal each request it sends must earn.
/// </summary>
public static class AbiRules
{
    /// <summary>The status a TX request must get (ownership and policy aside).</summary>
    public static RequestStatus Tx(ulong offset, uint length, uint options, ulong umemSize, uint frameSize, uint maxFrameLength)
    {
        if (offset >= umemSize)
        {
            return RequestStatus.OffsetOutOfBounds;
        }
        if (length == 0)
        {
            return RequestStatus.LengthZero;
        }
        if (length < 14)
        {
            return RequestStatus.FrameTooShort;
        }
        if (length > maxFrameLength)
        {
            return RequestStatus.FrameTooLong;
        }
        if (length > frameSize - (offset & (frameSize - 1)))
        {
            return RequestStatus.CrossesFrameBoundary;
        }
        return options != 0 ? RequestStatus.ReservedBitsSet : RequestStatus.Ok;
    }

    /// <summary>The status a fill entry must get (ownership aside).</summary>
    public static RequestStatus Fill(ulong offset, ulong umemSize, uint frameSize) =>
        offset >= umemSize ? RequestStatus.OffsetOutOfBounds
        : (offset & (frameSize - 1)) != 0 ? RequestStatus.Misaligned
        : RequestStatus.Ok;

    /// <summary>The broker counter of a refusal status.</summary>
    public static QueueCounter CounterOf(RequestStatus status) => status switch
    {
        RequestStatus.OffsetOutOfBounds => QueueCounter.RefusedOffsetOutOfBounds,
        RequestStatus.LengthZero => QueueCounter.RefusedLengthZero,
        RequestStatus.FrameTooShort => QueueCounter.RefusedFrameTooShort,
        RequestStatus.FrameTooLong => QueueCounter.RefusedFrameTooLong,
        RequestStatus.CrossesFrameBoundary => QueueCounter.RefusedCrossesFrameBoundary,
        RequestStatus.ReservedBitsSet => QueueCounter.RefusedReservedBitsSet,
        RequestStatus.FrameNotOwned => QueueCounter.RefusedFrameNotOwned,
        RequestStatus.Misaligned => QueueCounter.RefusedMisaligned,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no refusal counter"),
    };

    /// <summary>The refusal counters reconciled against what an attack declared.</summary>
    public static IReadOnlyList<QueueCounter> RefusalCounters { get; } =
    [
        QueueCounter.RefusedOffsetOutOfBounds, QueueCounter.RefusedLengthZero, QueueCounter.RefusedFrameTooShort,
        QueueCounter.RefusedFrameTooLong, QueueCounter.RefusedCrossesFrameBoundary, QueueCounter.RefusedReservedBitsSet,
        QueueCounter.RefusedFrameNotOwned, QueueCounter.RefusedMisaligned,
    ];
}
