using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Broker.Mediation;

namespace Mediator.Tests.Broker.Mediation;

public sealed class IdlePollingTests : IDisposable
{
    private static readonly QueueGeometry Small = new() { FrameSize = 2048, FrameCount = 64, TxSize = 32, CompletionSize = 32, FillSize = 32, RxSize = 32 };
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly QueueSession _session;

    public IdlePollingTests()
    {
        _model.AddPort(new NicPortOptions { QueueCount = 4 });
        _session = QueueFactory.Create(_model, clientId: 1, queueId: 1, deviceQueue: 1, Small, 1514, 0);
    }

    public void Dispose()
    {
        QueueTeardown.Run(_session, TimeSpan.FromSeconds(1), () => _model.Step(64));
        _model.Dispose();
    }

    private int VisitsIn(uint firstRound, int rounds, int index)
    {
        int visits = 0;
        for (uint r = firstRound; r < firstRound + rounds; r++)
        {
            visits += IdlePolling.Visits(_session, r, index) ? 1 : 0;
        }
        return visits;
    }

    [Fact]
    public void A_session_is_visited_every_round_until_it_has_been_quiet_long_enough()
    {
        for (int i = 0; i < IdlePolling.RoundsBeforeBackoff - 1; i++)
        {
            IdlePolling.Account(_session, work: 0);
        }
        Assert.Equal(64, VisitsIn(1, 64, index: 3));
        IdlePolling.Account(_session, work: 0);
        Assert.Equal(64 / (int)IdlePolling.Period, VisitsIn(1, 64, index: 3));
    }

    [Fact]
    public void Work_brings_a_quiet_session_back_to_every_round()
    {
        for (int i = 0; i < 2 * IdlePolling.RoundsBeforeBackoff; i++)
        {
            IdlePolling.Account(_session, work: 0);
        }
        Assert.Equal(IdlePolling.RoundsBeforeBackoff, _session.IdleRounds); // saturates
        IdlePolling.Account(_session, work: 5);
        Assert.Equal(0, _session.IdleRounds);
        Assert.Equal(16, VisitsIn(1, 16, index: 0));
    }

    [Fact]
    public void Frames_at_the_device_or_a_wake_up_owed_keep_a_session_visited()
    {
        _session.TxPosted = 3; // three frames at the device, none reaped
        for (int i = 0; i < 2 * IdlePolling.RoundsBeforeBackoff; i++)
        {
            IdlePolling.Account(_session, work: 0);
        }
        Assert.Equal(0, _session.IdleRounds);
        _session.TxCleaned = 3;
        IdlePolling.Account(_session, work: 0);
        Assert.Equal(1, _session.IdleRounds);
    }

    [Fact]
    public void Quiet_sessions_are_staggered_so_each_round_visits_a_few()
    {
        for (int i = 0; i < IdlePolling.RoundsBeforeBackoff; i++)
        {
            IdlePolling.Account(_session, work: 0);
        }
        // The same session at eight positions: in any one round exactly one position is due.
        for (uint round = 1; round <= 8; round++)
        {
            int due = Enumerable.Range(0, 8).Count(index => IdlePolling.Visits(_session, round, index));
            Assert.Equal(1, due);
        }
    }
}
