using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// A queue's counters as written by one thread (each thread that serves a queue owns its own set, so
/// counting needs no atomic instruction). Readers on other threads see each 64-bit value whole
/// (aligned stores are atomic on 64-bit platforms) but possibly a moment old.
/// </summary>
public sealed class QueueCounters
{
    private readonly long[] _values = new long[(int)QueueCounter.Count];

    /// <summary>Adds <paramref name="n"/> to <paramref name="counter"/> (owning thread only).</summary>
    public void Add(QueueCounter counter, long n) => _values[(int)counter] += n;

    /// <summary>Adds one to <paramref name="counter"/> (owning thread only).</summary>
    public void Increment(QueueCounter counter) => _values[(int)counter]++;

    /// <summary>Reads <paramref name="counter"/> from any thread.</summary>
    public long Read(QueueCounter counter) => Volatile.Read(ref _values[(int)counter]);

    /// <summary>Adds every counter into <paramref name="sum"/> (any thread).</summary>
    public void AddTo(Span<ulong> sum)
    {
        for (int i = 0; i < _values.Length; i++)
        {
            sum[i] += (ulong)Volatile.Read(ref _values[i]);
        }
    }

    /// <summary>The counter that records a refusal with <paramref name="status"/>.</summary>
    public static QueueCounter ForRefusal(Abi.RequestStatus status) => status switch
    {
        Abi.RequestStatus.OffsetOutOfBounds => QueueCounter.RefusedOffsetOutOfBounds,
        Abi.RequestStatus.LengthZero => QueueCounter.RefusedLengthZero,
        Abi.RequestStatus.FrameTooShort => QueueCounter.RefusedFrameTooShort,
        Abi.RequestStatus.FrameTooLong => QueueCounter.RefusedFrameTooLong,
        Abi.RequestStatus.CrossesFrameBoundary => QueueCounter.RefusedCrossesFrameBoundary,
        Abi.RequestStatus.ReservedBitsSet => QueueCounter.RefusedReservedBitsSet,
        Abi.RequestStatus.FrameNotOwned => QueueCounter.RefusedFrameNotOwned,
        Abi.RequestStatus.Misaligned => QueueCounter.RefusedMisaligned,
        Abi.RequestStatus.SourceMacSpoofed => QueueCounter.RefusedSourceMacSpoofed,
        Abi.RequestStatus.VlanViolation => QueueCounter.RefusedVlanViolation,
        Abi.RequestStatus.EthertypeNotAllowed => QueueCounter.RefusedEthertypeNotAllowed,
        Abi.RequestStatus.RateLimited => QueueCounter.RefusedRateLimited,
        _ => QueueCounter.Cancelled,
    };
}
