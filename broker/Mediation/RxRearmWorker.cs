using Microsoft.Extensions.Logging;
using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The RX re-arm worker: its own thread, in parallel with the data path, that turns clients' fill
/// entries into armed device RX descriptors (<see cref="RxRearm"/>). Re-arming thus costs CPU on
/// another core, not packets per second on the data path. It sleeps when no queue has fill entries it
/// can use, setting need-wakeup on every fill ring and on <see cref="RearmSignal"/>.
/// </summary>
internal sealed class RxRearmWorker : IDisposable
{
    private const ulong SignalTag = ulong.MaxValue - 1;
    private readonly uint _budget;
    private readonly int _idleSpins;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stop;

    public RxRearmWorker(int budget, int idleSpins, ILogger logger)
    {
        _budget = (uint)budget;
        _idleSpins = idleSpins;
        _logger = logger;
        Sessions = new SessionSet(s => s.Events.FillKick);
        Sessions.AddWakeSource(Signal.EventFd, SignalTag);
        _thread = new Thread(Run) { Name = "mediator-rx-rearm", IsBackground = true };
    }

    /// <summary>The queues served and the command channel.</summary>
    public SessionSet Sessions { get; }

    /// <summary>How the data path wakes this worker.</summary>
    public RearmSignal Signal { get; } = new();

    /// <summary>Set when the worker died of an exception.</summary>
    public Exception? Fault { get; private set; }

    public void Start() => _thread.Start();

    public void Stop()
    {
        _stop = true;
        Sessions.Wake();
        _thread.Join();
    }

    private void Run()
    {
        try
        {
            int idle = 0;
            while (!_stop)
            {
                Sessions.ApplyCommands(static _ => { });
                var sessions = Sessions.Sessions;
                int work = 0;
                for (int i = 0; i < sessions.Length; i++)
                {
                    work += RxRearm.Run(sessions[i], _budget);
                }
                if (work != 0)
                {
                    idle = 0;
                }
                else if (++idle > _idleSpins)
                {
                    Sleep();
                    idle = 0;
                }
                else if ((idle & 63) == 0)
                {
                    Thread.Yield();
                }
            }
        }
        catch (Exception e)
        {
            Fault = e;
            Log.RearmFailed(_logger, e);
        }
        finally
        {
            Sessions.FailPending();
        }
    }

    private void Sleep()
    {
        var sessions = Sessions.Sessions;
        Signal.EnterSleep();
        bool ready = false;
        for (int i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            bool entries = s.Fill.PrepareToSleep();
            uint room = s.Driver.RxSize - 1 - (s.RxArmed - Volatile.Read(ref s.RxCleaned));
            ready |= entries && room != 0 && s.BrokerDrivesRx;
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

    public void Dispose()
    {
        Sessions.Dispose();
        Signal.Dispose();
    }
}
