using System.Runtime.CompilerServices;
using Mediator.Abi;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The rules a request must pass before the broker lets the device touch memory for it, one rule per
/// check, in the order of their status codes (docs/abi.md §6), in the manner of <c>xp_aligned_validate_desc</c>. Every rule works on the broker's private
/// copy of the request, never on shared memory, and is written to be overflow-safe
/// (<c>len &lt;= size - offset</c>, never <c>offset + len &lt;= size</c>).
/// </summary>
public static class TxValidator
{
    /// <summary>Smallest frame the device can steer: an Ethernet header.</summary>
    public const uint MinFrameLength = 14;

    /// <summary>Checks a TX request; returns <see cref="RequestStatus.Ok"/> or the first rule it breaks.</summary>
    /// <param name="request">The private copy of the request.</param>
    /// <param name="umemSize">Bytes of the client's UMEM.</param>
    /// <param name="frameMask">Frame size − 1 (frame size is a power of two).</param>
    /// <param name="maxFrameLength">Longest frame the client's policy allows.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequestStatus Validate(in TxRequest request, ulong umemSize, uint frameMask, uint maxFrameLength)
    {
        if (request.Offset >= umemSize)
        {
            return RequestStatus.OffsetOutOfBounds;
        }
        if (request.Length == 0)
        {
            return RequestStatus.LengthZero;
        }
        if (request.Length < MinFrameLength)
        {
            return RequestStatus.FrameTooShort;
        }
        if (request.Length > maxFrameLength)
        {
            return RequestStatus.FrameTooLong;
        }
        // The span must stay inside the frame it starts in; frameMask + 1 - inFrame cannot underflow.
        uint inFrame = (uint)request.Offset & frameMask;
        if (request.Length > frameMask + 1 - inFrame)
        {
            return RequestStatus.CrossesFrameBoundary;
        }
        if (request.Options != 0)
        {
            return RequestStatus.ReservedBitsSet;
        }
        return RequestStatus.Ok;
    }

    /// <summary>Checks a fill entry: inside the UMEM and the start of a frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequestStatus ValidateFill(in FillEntry entry, ulong umemSize, uint frameMask)
    {
        if (entry.Offset >= umemSize)
        {
            return RequestStatus.OffsetOutOfBounds;
        }
        if ((entry.Offset & frameMask) != 0)
        {
            return RequestStatus.Misaligned;
        }
        return RequestStatus.Ok;
    }
}
