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
/// <item>no second signal while the client has not consumed anything since the last one: its wake-up is
/// pending (a client only sleeps on an empty ring, so once it has woken and read, a set flag is a new
/// sleep, and it is signalled again);</item>
/// <item>optionally (completions), while more of the client's frames are at the device, a wake-up waits
/// up to <see cref="MaxDeferRounds"/> rounds for <see cref="Batch"/> entries, so a sleeping client wakes
/// once per several device bursts; a round that adds nothing sends what was deferred (so the data path
/// never sleeps on a deferred wake-up), and a ping-pong client is woken as soon as its frame is done.</item>
/// </list>
/// Used by the data path only (one instance per queue and ring); never per packet.
/// </summary>
internal sealed class SleeperNotifier
{
    /// <summary>Entries worth a wake-up while more are coming.</summary>
    public const uint Batch = 256;

    /// <summary>Most rounds a wake-up waits for <see cref="Batch"/> entries.</summary>
    public const int MaxDeferRounds = 4;

    private int _deferred;
    private bool _signalled;
    private uint _consumerAtSignal;

    /// <summary>Whether a wake-up was deferred (check again next round).</summary>
    public bool Owed => _deferred != 0;

    /// <summary>
    /// Call after publishing entries (<paramref name="wroteNow"/>) or while <see cref="Owed"/>; returns
    /// true when the caller must signal now. <paramref name="moreComing"/>: more entries are on their way
    /// (frames at the device), so waiting for a batch is worth it.
    /// </summary>
    public bool ShouldSignal<T>(RingProducer<T> ring, bool wroteNow, bool moreComing) where T : unmanaged
    {
        // The full fence in ConsumerNeedsWakeup comes first: read before it, the consumer index could be
        // older than the client's last read (a load may pass our producer store), and a wake-up the client
        // needs would look pending.
        if (!ring.ConsumerNeedsWakeup())
        {
            _deferred = 0; // it polls
            return false;
        }
        uint outstanding = ring.Outstanding(); // one fresh read of the client's consumer index, after the fence
        if (outstanding == 0)
        {
            _deferred = 0; // it has read everything: it will be signalled for the next entries
            return false;
        }
        uint consumer = ring.Producer - outstanding;
        if (_signalled && consumer == _consumerAtSignal)
        {
            _deferred = 0;
            return false; // signalled, and it has not read since: that wake-up is still pending
        }
        if (wroteNow && moreComing && _deferred < MaxDeferRounds && outstanding < Batch)
        {
            _deferred++;
            return false;
        }
        _deferred = 0;
        _signalled = true;
        _consumerAtSignal = consumer;
        return true;
    }
}
