using System.Runtime.CompilerServices;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Who holds each frame of a client's UMEM, kept in broker-private memory (the client cannot lie about
/// it). A frame is the client's unless it is <b>in flight for TX</b> (posted to the device TX ring) or
/// <b>posted for RX</b> (armed in the device RX ring, or about to be). The broker refuses any request
/// naming a frame that is not the client's, so the device never reads and writes one frame at once
/// and no frame is completed twice.
/// </summary>
/// <remarks>
/// Two threads claim frames: the data path (TX) and the re-arm worker (RX). Each writes only its own
/// array's "claimed" marks, so a claim is a plain store; to stop both claiming the same frame at the
/// same moment, each side marks its whole batch, issues one full fence, then checks the other side's
/// marks (Dekker's handshake, once per batch, not per frame): at least one of two racing claims sees
/// the other and backs off. The data path also clears RX marks when it delivers a frame; a stale view
/// of such a clear only causes a refusal, never a double claim.
/// </remarks>
public sealed class FrameOwnership
{
    private readonly byte[] _txInFlight;
    private readonly byte[] _rxPosted;

    /// <summary>Tracks <paramref name="frameCount"/> frames, all held by the client.</summary>
    public FrameOwnership(uint frameCount)
    {
        _txInFlight = new byte[frameCount];
        _rxPosted = new byte[frameCount];
    }

    /// <summary>Whether the frame is in the client's hands as far as TX knows (data path only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsTxFree(uint frame) => _txInFlight[frame] == 0;

    /// <summary>Marks a frame in flight for TX (data path only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ClaimTx(uint frame) => _txInFlight[frame] = 1;

    /// <summary>Gives a TX frame back to the client (data path only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseTx(uint frame) => _txInFlight[frame] = 0;

    /// <summary>Whether the frame is posted for RX; read by the data path after its batch fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsRxPosted(uint frame) => Volatile.Read(ref _rxPosted[frame]) != 0;

    /// <summary>Whether the frame is in flight for TX; read by the re-arm worker after its batch fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsTxInFlight(uint frame) => Volatile.Read(ref _txInFlight[frame]) != 0;

    /// <summary>Whether the frame is free as far as RX knows (re-arm worker only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsRxFree(uint frame) => Volatile.Read(ref _rxPosted[frame]) == 0;

    /// <summary>Marks a frame posted for RX (re-arm worker).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ClaimRx(uint frame) => _rxPosted[frame] = 1;

    /// <summary>Gives an RX frame back to the client (data path on delivery, re-arm worker on back-off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseRx(uint frame) => Volatile.Write(ref _rxPosted[frame], 0);

    /// <summary>
    /// The full fence between marking a batch and checking the other side's marks (store-load order:
    /// our marks are visible before we read theirs).
    /// </summary>
    public static void Fence() => Interlocked.MemoryBarrier();
}
