namespace Mediator.Broker.Mediation;

/// <summary>
/// Which sessions the data path visits in a round. A session that moved anything lately is visited every
/// round; one that has been quiet for <see cref="RoundsBeforeBackoff"/> visits in a row (nothing taken,
/// reaped, re-armed or delivered, nothing at the device, no wake-up owed) only every
/// <see cref="Period"/>-th round, staggered by its index, until it has work again. With 64 queues of
/// which a few are busy, visiting every idle one every round cost the broker more than the packets did
/// (profiled: 27 % of its samples for 64 pinned clients, 2026-11-29); a quiet queue's first frames now wait
/// at most <see cref="Period"/> − 1 rounds, which are short because the quiet queues are skipped. A
/// vhost-user port is always visited (its front end must poll the guest's rings), and every session is
/// visited again from the first round after the data path slept, so a kick is never waited on.
/// </summary>
internal static class IdlePolling
{
    /// <summary>Quiet visits in a row before a session is visited only every <see cref="Period"/> rounds.</summary>
    public const int RoundsBeforeBackoff = 64;

    /// <summary>Rounds between visits of a quiet session (a power of two).</summary>
    public const uint Period = 8;

    /// <summary>Whether <paramref name="s"/>, at position <paramref name="index"/>, is visited in round <paramref name="round"/>.</summary>
    public static bool Visits(QueueSession s, uint round, int index) =>
        s.IdleRounds < RoundsBeforeBackoff || ((round + (uint)index) & (Period - 1)) == 0 || s.Front is not null;

    /// <summary>Counts a visit that did <paramref name="work"/>.</summary>
    public static void Account(QueueSession s, int work)
    {
        bool quiet = work == 0 && s.TxPosted == s.TxCleaned && !s.TxNotifier.Owed && !s.RxNotifier.Owed;
        if (!quiet)
        {
            s.IdleRounds = 0;
        }
        else if (s.IdleRounds < RoundsBeforeBackoff)
        {
            s.IdleRounds++;
        }
    }
}
