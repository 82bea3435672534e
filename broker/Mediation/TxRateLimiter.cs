using System.Runtime.CompilerServices;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Two token buckets (packets, bits) shared by all of one client's queues, so a client cannot multiply
/// its rate by opening more queues. Credit is kept in token·ticks (tokens × Stopwatch frequency), so
/// the arithmetic is integral and exact; elapsed time is capped at what fills an empty bucket, so
/// elapsed × rate cannot overflow. Buckets start full.
/// </summary>
/// <remarks>
/// Written by the data-path thread only (every queue of a client is served by that one thread), so it
/// needs no lock. Refilled once per batch from one clock read; charged per accepted frame.
/// </remarks>
internal sealed class TxRateLimiter
{
    private long _packetCredit;
    private long _bitCredit;
    private long _last = long.MinValue;
    private long _packetRate = -1;
    private long _bitRate = -1;

    /// <summary>Packet credit left, in packet·ticks (tests).</summary>
    public long PacketCredit => _packetCredit;

    /// <summary>Adds the credit earned since the last refill, under <paramref name="p"/>'s rates and depths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Refill(PacketPolicy p, long now)
    {
        if (p.PacketsPerSecond != _packetRate || p.BitsPerSecond != _bitRate)
        {
            Reconfigure(p, now);
            return;
        }
        long elapsed = now - _last;
        if (elapsed <= 0)
        {
            return;
        }
        _last = now;
        if (p.PacketsPerSecond > 0)
        {
            _packetCredit = elapsed >= p.PacketFillTicks ? p.PacketDepth : Math.Min(p.PacketDepth, _packetCredit + elapsed * p.PacketsPerSecond);
        }
        if (p.BitsPerSecond > 0)
        {
            _bitCredit = elapsed >= p.BitFillTicks ? p.BitDepth : Math.Min(p.BitDepth, _bitCredit + elapsed * p.BitsPerSecond);
        }
    }

    /// <summary>Takes one frame of <paramref name="bytes"/> bytes if both buckets hold it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsume(PacketPolicy p, uint bytes, long frequency)
    {
        long packets = p.PacketsPerSecond > 0 ? frequency : 0;
        long bits = p.BitsPerSecond > 0 ? bytes * 8L * frequency : 0;
        if (_packetCredit < packets || _bitCredit < bits)
        {
            return false;
        }
        _packetCredit -= packets;
        _bitCredit -= bits;
        return true;
    }

    // A first use, or new rates (a reload): a rate just set starts full; a changed one keeps its credit
    // up to the new depth.
    private void Reconfigure(PacketPolicy p, long now)
    {
        _packetCredit = _packetRate <= 0 ? p.PacketDepth : Math.Min(_packetCredit, p.PacketDepth);
        _bitCredit = _bitRate <= 0 ? p.BitDepth : Math.Min(_bitCredit, p.BitDepth);
        _packetRate = p.PacketsPerSecond;
        _bitRate = p.BitsPerSecond;
        _last = now;
    }
}
