using Microsoft.Extensions.Logging;
using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The RX re-arm worker: its own thread, in parallel with the data path, that turns clients' fill
/// entries into armed device RX descriptors (<see cref="RxRearm"/>). Re-arming thus costs CPU on
/// another core, not packets per second on the data path. It sleeps when no queue has fill entries it
/// can use, setting need-wakeup on every fill ring and on <see cref="RearmSignal"/>.
/// </summary>
internal sealed class RxRearmWorker : PollingThread
{
    private const ulong SignalTag = ulong.MaxValue - 1;
    private readonly uint _budget;
    private readonly ILogger _logger;

    public RxRearmWorker(int budget, int idleSpins, ILogger logger)
        : base("mediator-rx-rearm", idleSpins, s => s.Events.FillKick)
    {
        _budget = (uint)budget;
        _logger = logger;
        Sessions.AddWakeSource(Signal.EventFd, SignalTag);
    }

    /// <summary>How the data path wakes this worker.</summary>
    public RearmSignal Signal { get; } = new();

    protected override void LogFault(Exception e) => Log.RearmFailed(_logger, e);

    protected override int Round()
    {
        var sessions = Sessions.Sessions;
        int work = 0;
        for (int i = 0; i < sessions.Length; i++)
        {
            work += RxRearm.Run(sessions[i], _budget);
        }
        return work;
    }

    protected override void Sleep()
    {
        var sessions = Sessions.Sessions;
        Signal.EnterSleep();
        bool ready = false;
        for (int i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            bool entries = s.Fill.PrepareToSleep();
            uint room = s.Driver.RxSize - 1 - (s.RxArmed - Volatile.Read(ref s.RxCleaned));
            // Without refusal room nothing can be taken either: wait for the data path to drain it.
            ready |= entries && room != 0 && s.FillRefusalsOut.Free(1) != 0 && s.BrokerDrivesRx;
        }
        if (!ready)
        {
            Sessions.Sleep(1000, QueueCounter.Wakeups, s => s.RearmCounters);
        }
        Signal.LeaveSleep();
        sessions = Sessions.Sessions;
        for (int i = 0; i < sessions.Length; i++)
        {
            sessions[i].Fill.ClearNeedWakeup();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        Signal.Dispose();
    }
}
