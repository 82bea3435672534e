using System.Diagnostics;
using Mediator.Rings;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Decides when the data path signals a client that sleeps on one of its rings (completions or RX):
/// the need-wakeup flag says it sleeps, but signalling at every round that adds entries would cost one
/// <c>write(2)</c> (and a cross-core wake-up, which the broker's thread pays) per round while the client
/// is still on its way up. So:
/// <list type="bullet">
/// <item>no signal while the client polls (flag clear) or has nothing unread (it sleeps on an empty ring
/// and will be signalled when entries arrive);</item>
/// <item>no second signal within <see cref="ResignalMicroseconds"/> of the last one while the flag stays
/// set: the client has a wake-up pending. After that interval the flag still being set may mean the
/// client woke, emptied the ring and slept again in between, so it is signalled again: a client is never
/// left asleep on unread entries for longer than the interval (or the data path's 1 ms nap);</item>
/// <item>optionally (completions), while more of the client's frames are at the device, a wake-up waits
/// up to <see cref="MaxDeferRounds"/> rounds for <see cref="Batch"/> entries, so a sleeping client wakes
/// once per several device bursts; a round that adds nothing sends what was deferred, so a ping-pong
/// client is woken as soon as its frame is done.</item>
/// </list>
/// Used by the data path only (one instance per queue and ring); never per packet.
/// </summary>
internal sealed class SleeperNotifier
{
    /// <summary>Entries worth a wake-up while more are coming.</summary>
    public const uint Batch = 256;

    /// <summary>Most rounds a wake-up waits for <see cref="Batch"/> entries.</summary>
    public const int MaxDeferRounds = 4;

    /// <summary>Shortest interval between two signals to a client whose flag stayed set.</summary>
    public const int ResignalMicroseconds = 100;

    private static readonly long ResignalTicks = Stopwatch.Frequency * ResignalMicroseconds / 1_000_000;
    private int _deferred;
    private long _lastSignal;

    /// <summary>Whether the client sleeps on unread entries it has not been signalled for yet (check again next round).</summary>
    public bool Owed { get; private set; }

    /// <summary>
    /// Call after publishing entries (<paramref name="wroteNow"/>) or while <see cref="Owed"/>; returns
    /// true when the caller must signal now. <paramref name="moreComing"/>: more entries are on their way
    /// (frames at the device), so waiting for a batch is worth it.
    /// </summary>
    public bool ShouldSignal<T>(RingProducer<T> ring, bool wroteNow, bool moreComing) where T : unmanaged
    {
        if (!ring.ConsumerNeedsWakeup() || ring.Outstanding() == 0)
        {
            Owed = false; // it polls, or it has read everything and will be signalled for the next entries
            _deferred = 0;
            return false;
        }
        Owed = true;
        long now = Stopwatch.GetTimestamp();
        if (_lastSignal != 0 && now - _lastSignal < ResignalTicks)
        {
            return false; // signalled a moment ago: its wake-up is pending
        }
        if (wroteNow && moreComing && _deferred < MaxDeferRounds && ring.Outstanding() < Batch)
        {
            _deferred++;
            return false;
        }
        _deferred = 0;
        _lastSignal = now;
        return true;
    }
}
