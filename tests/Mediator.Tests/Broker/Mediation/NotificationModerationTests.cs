using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>
/// Completion notifications to a sleeping client are moderated (<see cref="TxPath"/>): deferred while
/// more of its frames are at the device, sent at once when its last frame completes or a round brings
/// nothing new, and never sent to a client that polls.
/// </summary>
public sealed class NotificationModerationTests : IDisposable
{
    private static readonly byte[] Nowhere = [0x02, 0, 0, 0, 0xee, 0xee]; // no queue has this MAC: dropped after TX
    private readonly MediationHarness _h = new();

    public void Dispose() => _h.Dispose();

    private void Send(HarnessQueue a, uint frames)
    {
        for (uint f = 0; f < frames; f++)
        {
            a.WriteFrame(a.FrameOffset(f), Nowhere, 60, (byte)f);
            a.SubmitTx(a.FrameOffset(f), 60);
        }
    }

    [Fact]
    public void A_sleeping_client_is_woken_once_when_its_only_frame_completes()
    {
        var a = _h.A;
        Assert.False(a.Completions.PrepareToSleep()); // the client sleeps on its completion ring
        Send(a, 1);
        TxPath.Run(a.Session, MediationHarness.Budget); // posts
        _h.Device.Step(64);
        TxPath.Run(a.Session, MediationHarness.Budget); // reaps the last frame in flight: signal now

        Assert.Equal(1, a.DataPath(QueueCounter.Notifications));
        Assert.NotEqual(0UL, a.Session.Events.TxNotify.TryConsume());
    }

    [Fact]
    public void While_frames_are_in_flight_the_wake_up_waits_and_an_idle_round_sends_it()
    {
        var a = _h.A;
        Assert.False(a.Completions.PrepareToSleep());
        Send(a, 12);
        TxPath.Run(a.Session, MediationHarness.Budget); // posts 12
        _h.Device.Step(4); // the device finishes 4 of them
        TxPath.Run(a.Session, MediationHarness.Budget); // reaps 4, 8 still at the device: deferred

        Assert.Equal(4u, a.CompletionsWaiting());
        Assert.Equal(0, a.DataPath(QueueCounter.Notifications));
        Assert.Equal(0UL, a.Session.Events.TxNotify.TryConsume());

        TxPath.Run(a.Session, MediationHarness.Budget); // a round with nothing new: the deferred wake-up goes out
        Assert.Equal(1, a.DataPath(QueueCounter.Notifications));
        Assert.NotEqual(0UL, a.Session.Events.TxNotify.TryConsume());
    }

    [Fact]
    public void A_deferred_wake_up_goes_out_after_at_most_the_deferral_limit_of_busy_rounds()
    {
        var a = _h.A;
        Assert.False(a.Completions.PrepareToSleep());
        Send(a, 15);
        TxPath.Run(a.Session, MediationHarness.Budget);
        int rounds = 0;
        while (a.DataPath(QueueCounter.Notifications) == 0 && rounds < 10)
        {
            _h.Device.Step(1); // one completion per round: every round brings something new
            TxPath.Run(a.Session, MediationHarness.Budget);
            rounds++;
        }
        Assert.Equal(SleeperNotifier.MaxDeferRounds + 1, rounds);
        Assert.Equal(1, a.DataPath(QueueCounter.Notifications));
    }

    [Fact]
    public void A_polling_client_is_never_signalled()
    {
        var a = _h.A;
        Send(a, 8);
        _h.Pump();
        Assert.Equal(8, a.DrainCompletions().Count(c => c.Status == (ushort)RequestStatus.Ok));
        Assert.Equal(0, a.DataPath(QueueCounter.Notifications));
        Assert.Equal(0UL, a.Session.Events.TxNotify.TryConsume());
    }

    [Fact]
    public void One_sleep_gets_one_signal_and_a_new_sleep_after_reading_gets_another()
    {
        var a = _h.A;
        Assert.False(a.Completions.PrepareToSleep());
        Send(a, 2);
        TxPath.Run(a.Session, MediationHarness.Budget);
        _h.Device.Step(1);
        TxPath.Run(a.Session, MediationHarness.Budget); // 1 done, 1 in flight: deferred
        TxPath.Run(a.Session, MediationHarness.Budget); // nothing new: signal
        Assert.Equal(1, a.DataPath(QueueCounter.Notifications));
        _h.Device.Step(1);
        TxPath.Run(a.Session, MediationHarness.Budget); // the last frame: the client has not read since the signal

        Assert.Equal(1, a.DataPath(QueueCounter.Notifications)); // its wake-up is still pending: no second write
        Assert.Equal(2, a.DrainCompletions().Count); // it wakes and reads both
        Assert.False(a.Completions.PrepareToSleep()); // and sleeps again
        Send(a, 1);
        TxPath.Run(a.Session, MediationHarness.Budget);
        _h.Device.Step(1);
        TxPath.Run(a.Session, MediationHarness.Budget);
        Assert.Equal(2, a.DataPath(QueueCounter.Notifications)); // a new sleep after reading: signalled again
    }
}
